package dev.pgwarden.database.masking;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.database.sql.Sql;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The masking view of one table: in the masking schema of the table's schema, with the table's
 * name, its columns in order with their names and types, masked columns through
 * {@link MaskExpression}. {@code security_barrier} keeps the agent's functions in a WHERE clause
 * from being evaluated inside the view. It reads the table with inheritance (partitions and
 * children included), as the table itself would.
 *
 * @param masks strategy by column name; columns not named are shown as they are
 */
record ViewDefinition(Relation table, String viewSchema, Map<String, MaskStrategy> masks, String functionSchema) {

    String qualified() {
        return Sql.qualified(viewSchema, table.name());
    }

    String select() {
        String columns = table.columns().stream()
                .map(c -> masks.containsKey(c.name())
                        ? MaskExpression.of(c, masks.get(c.name()), functionSchema)
                        : "t." + Sql.ident(c.name()))
                .collect(Collectors.joining(", "));
        return "SELECT " + columns + " FROM " + table.qualified() + " t";
    }

    /** CREATE OR REPLACE: keeps the view's grants and what depends on it when only columns are added or changed. */
    String createOrReplace() {
        return "CREATE OR REPLACE VIEW " + qualified() + " WITH (security_barrier = true) AS " + select();
    }

    String create() {
        return "CREATE VIEW " + qualified() + " WITH (security_barrier = true) AS " + select();
    }

    /** The definition's fingerprint, as the view's comment keeps it. */
    String fingerprint() {
        return MaskingObjects.fingerprint(createOrReplace());
    }

    /** The comment: what the view masks, and the fingerprints that tell whether it is still as written. */
    static String comment(String source, String definition, String catalog) {
        return "pgwarden masking view of " + source + "; definition " + definition + "; catalog " + catalog;
    }
}
