/**
 * What pgwarden keeps inside PostgreSQL for a policy: the group and login roles, their grants, and
 * the masking views and functions through which the agent's role reads masked tables. One
 * implementation, used by the operator (in a cluster) and by {@code pgwarden local}.
 */
package dev.pgwarden.database;
