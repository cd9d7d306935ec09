/**
 * SQL text pgwarden writes itself: quoting for DDL, and the privileges each access mode grants;
 * shared by roles, grants and masking views.
 */
package dev.pgwarden.database.sql;
