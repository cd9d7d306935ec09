/**
 * The first wall of masking, inside PostgreSQL: the agent's group role reads a table with masked
 * columns only through a masking view (same name, columns, order and types, values masked by SQL
 * functions pgwarden installs) found first on its search_path, and holds column privileges only
 * on the unmasked columns of the table itself, so that no statement, function, error or
 * statistics view the agent can write reads a raw value. {@link MaskingViews#apply} keeps this in
 * step with the tables and the policy.
 */
package dev.pgwarden.database.masking;
