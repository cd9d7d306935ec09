/** SQL text pgwarden writes itself: quoting for DDL, shared by roles, grants and (later) masking views. */
package dev.pgwarden.database.sql;
