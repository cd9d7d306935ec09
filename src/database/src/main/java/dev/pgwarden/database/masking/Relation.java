package dev.pgwarden.database.masking;

import dev.pgwarden.database.sql.Sql;
import java.util.List;

/**
 * A table, view or materialized view as one apply read it, with the group's privileges on it.
 * Privileges are the group's ACL entries granted by the owner (the ones the admin, acting as the
 * owner, writes), spelled as the ACL queries list them: "DELETE,INSERT,SELECT", sorted, a {@code *}
 * after one held with grant option.
 *
 * @param kind pg_class.relkind: r, p, f, v or m
 * @param manageable the admin holds the owner's privileges, so it may grant and revoke
 * @param adminReads the admin may SELECT it, which a masking view, reading as the admin, needs
 * @param rowSecurity row-level security is enabled: a view reading as the admin would skip it
 * @param held the group's table-level entry
 */
record Relation(
        long oid,
        String schema,
        String name,
        char kind,
        String owner,
        boolean manageable,
        boolean adminReads,
        boolean rowSecurity,
        String held,
        List<Column> columns) {

    /**
     * @param number attnum
     * @param type the base type's oid (a domain's base type: clients see that type)
     * @param typeName the base type's qualified name without a modifier, for casts that must not
     *     truncate ({@code pg_catalog.bpchar}, not {@code character})
     * @param collation the column's collation, qualified, or empty for a type without one
     * @param held the group's entry for the column
     */
    record Column(int number, String name, long type, String typeName, String collation, String held) {}

    String qualified() {
        return Sql.qualified(schema, name);
    }

    boolean isView() {
        return kind == 'v' || kind == 'm';
    }

    /** Whether the group holds any privilege from the owner on it or on one of its columns. */
    boolean anyHeld() {
        return !held.isEmpty() || columns.stream().anyMatch(c -> !c.held().isEmpty());
    }
}
