package dev.pgwarden.database.masking;

import dev.pgwarden.database.sql.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * After the changes, asks PostgreSQL itself whether the group can read a masked column or a
 * withheld view, through anything: a grant to PUBLIC, another grantor's grant, or a role the group
 * inherits from (pg_read_all_data). Each one is reported with where it comes from; what the apply
 * changed is not trusted to be all there is. SECURITY DEFINER functions that read as a role who
 * can read masked columns are reported too.
 */
final class LeakCheck {
    private LeakCheck() {}

    static List<MaskingProblem> run(
            Connection connection,
            long groupOid,
            String group,
            Map<Relation, Set<String>> restricted,
            List<Relation> withheld)
            throws SQLException {
        Map<Relation, List<String>> readable = new LinkedHashMap<>();
        try (PreparedStatement ps =
                connection.prepareStatement("SELECT has_column_privilege(?::oid, ?::oid, ?::text, 'SELECT')")) {
            for (Map.Entry<Relation, Set<String>> e : restricted.entrySet()) {
                for (String column : e.getValue()) {
                    ps.setLong(1, groupOid);
                    ps.setLong(2, e.getKey().oid());
                    ps.setString(3, column);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next() && rs.getBoolean(1)) {
                            readable.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
                                    .add(column);
                        }
                    }
                }
            }
        }
        try (PreparedStatement ps =
                connection.prepareStatement("SELECT has_any_column_privilege(?::oid, ?::oid, 'SELECT')")) {
            for (Relation v : withheld) {
                ps.setLong(1, groupOid);
                ps.setLong(2, v.oid());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        readable.put(v, List.of());
                    }
                }
            }
        }
        List<MaskingProblem> out = new ArrayList<>();
        for (Map.Entry<Relation, List<String>> e : readable.entrySet()) {
            out.add(explain(connection, groupOid, group, e.getKey(), e.getValue()));
        }
        out.addAll(definers(connection, groupOid, restricted));
        return out;
    }

    /**
     * SECURITY DEFINER functions the group may call whose owner can read a masked column: they run
     * as their owner, so what they return is not masked by the database. Privileges cannot tell
     * what a function reads, so each is reported, not revoked (the application may need it).
     * Functions of extensions are left out.
     */
    private static List<MaskingProblem> definers(
            Connection connection, long groupOid, Map<Relation, Set<String>> restricted) throws SQLException {
        List<Long> relations = new ArrayList<>();
        List<String> columns = new ArrayList<>();
        restricted.forEach((r, masked) -> masked.forEach(c -> {
            relations.add(r.oid());
            columns.add(c);
        }));
        List<MaskingProblem> out = new ArrayList<>();
        if (relations.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT p.oid::regprocedure::text, quote_ident(pg_get_userbyid(p.proowner)) FROM pg_proc p"
                        + " WHERE p.prosecdef AND has_function_privilege(?::oid, p.oid, 'EXECUTE')"
                        + " AND has_schema_privilege(?::oid, p.pronamespace, 'USAGE')"
                        + " AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid"
                        + " AND e.deptype = 'e')"
                        + " AND EXISTS (SELECT 1 FROM unnest(?::oid[], ?::text[]) m(rel, col)"
                        + " WHERE has_column_privilege(p.proowner, m.rel, m.col, 'SELECT')) ORDER BY 1")) {
            ps.setLong(1, groupOid);
            ps.setLong(2, groupOid);
            ps.setArray(3, connection.createArrayOf("int8", relations.toArray()));
            ps.setArray(4, connection.createArrayOf("text", columns.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(MaskingProblem.runAs(
                            rs.getString(1),
                            "the agent's group may execute " + rs.getString(1)
                                    + ", a SECURITY DEFINER function whose owner " + rs.getString(2)
                                    + " can read masked columns: what it"
                                    + " returns is not masked by the database. Take EXECUTE from PUBLIC (and give it back to the roles"
                                    + " of the application that need it), or mask what it returns",
                            rs.getString(2),
                            "REVOKE EXECUTE ON FUNCTION " + rs.getString(1) + " FROM PUBLIC"));
                }
            }
        }
        return out;
    }

    private static MaskingProblem explain(
            Connection connection, long groupOid, String group, Relation r, List<String> columns) throws SQLException {
        // The grants that give what is readable: table-level ones, and column ones on the masked
        // columns (not the group's own grants on the unmasked columns).
        String what = columns.isEmpty()
                ? r.qualified() + ", a view over a masked table,"
                : "masked column" + (columns.size() > 1 ? "s " : " ") + String.join(", ", columns) + " of "
                        + r.qualified();
        try (PreparedStatement ps = connection.prepareStatement(
                "WITH acl(grantee, grantor) AS (SELECT x.grantee, x.grantor FROM pg_class c, aclexplode(c.relacl) x"
                        + " WHERE c.oid = ?::oid AND x.privilege_type = 'SELECT' UNION SELECT x.grantee, x.grantor"
                        + " FROM pg_attribute a, aclexplode(a.attacl) x WHERE a.attrelid = ?::oid AND x.privilege_type = 'SELECT'"
                        + " AND (cardinality(?::text[]) = 0 OR a.attname = ANY(?::text[])))"
                        + " SELECT EXISTS (SELECT 1 FROM acl WHERE grantee = 0),"
                        + " (SELECT string_agg(DISTINCT quote_ident(pg_get_userbyid(grantor)), ', ') FROM acl WHERE grantee = ?::oid),"
                        + " (SELECT string_agg(quote_ident(r.rolname), ', ' ORDER BY r.rolname) FROM pg_roles r WHERE r.oid <> ?::oid"
                        + " AND pg_has_role(?::oid, r.oid, 'USAGE') AND has_any_column_privilege(r.oid, ?::oid, 'SELECT'))")) {
            java.sql.Array names = connection.createArrayOf("text", columns.toArray());
            ps.setLong(1, r.oid());
            ps.setLong(2, r.oid());
            ps.setArray(3, names);
            ps.setArray(4, names);
            ps.setLong(5, groupOid);
            ps.setLong(6, groupOid);
            ps.setLong(7, groupOid);
            ps.setLong(8, r.oid());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String g = Sql.ident(group);
                if (rs.getBoolean(1)) {
                    return MaskingProblem.runAs(
                            r.qualified(),
                            "the agent's group can read " + what + ": PUBLIC holds SELECT on it",
                            Sql.ident(r.owner()),
                            "REVOKE SELECT ON TABLE " + r.qualified() + " FROM PUBLIC");
                }
                if (rs.getString(2) != null) {
                    return MaskingProblem.runAs(
                            r.qualified(),
                                    "the agent's group can read " + what + ": " + rs.getString(2)
                                            + " granted it SELECT",
                            rs.getString(2), "REVOKE SELECT ON TABLE " + r.qualified() + " FROM " + g + " CASCADE");
                }
                if (rs.getString(3) != null) {
                    return MaskingProblem.of(
                            r.qualified(),
                            "the agent's group can read " + what + " through role " + rs.getString(3)
                                    + ", which it is a member of",
                            "REVOKE " + rs.getString(3) + " FROM " + g);
                }
                return MaskingProblem.inPolicy(
                        r.qualified(),
                        "the agent's group can read " + what
                                + " (PostgreSQL says so; pgwarden found no grant that explains it)");
            }
        }
    }
}
