package dev.pgwarden.database;

import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.database.masking.MaskingReport;
import dev.pgwarden.database.sql.ModePrivileges;
import dev.pgwarden.database.sql.Sql;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What masking decided in one apply, which the grants made for the policy's schemas as a whole
 * leave alone: otherwise they would give a masked table's table-level SELECT back (a table-level
 * REVOKE takes its column privileges with it) and take the masking views and schemas away.
 *
 * @param governed the relations whose privileges for the group masking sets, quoted and qualified
 * @param viewSchemas the masking schemas the group reads views from
 * @param masksAnything the policy has masking rules: then no table gets SELECT before an apply
 *     has looked at it (see {@link #futureTables})
 */
record MaskingScope(Set<String> governed, Set<String> viewSchemas, boolean masksAnything) {
    /** Nothing masked: the schema-wide grants decide everything. */
    static final MaskingScope NONE = new MaskingScope(Set.of(), Set.of(), false);

    static MaskingScope of(MaskingReport report, List<String> policySchemas, boolean masksAnything) {
        Set<String> viewSchemas = new HashSet<>(report.searchPath());
        policySchemas.forEach(viewSchemas::remove);
        return new MaskingScope(report.governed(), Set.copyOf(viewSchemas), masksAnything);
    }

    /** Whether masking sets the group's privileges on this relation (it is governed, or a masking view). */
    boolean decides(String schema, String relation) {
        return viewSchemas.contains(schema) || governed.contains(Sql.qualified(schema, relation));
    }

    /**
     * The table privileges default privileges give the group on tables created from now on. A
     * policy that masks anything gives them no SELECT: a table a migration creates (or a partition
     * of a masked table) would otherwise be readable raw until the next apply governs it, and a rule
     * may name a table that does not exist yet. The next apply grants SELECT on it, masked or not.
     */
    String futureTables(AccessMode mode) {
        return masksAnything ? ModePrivileges.tableWrites(mode) : ModePrivileges.tables(mode);
    }
}
