package dev.pgwarden.database.masking;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The catalog questions one apply asks about the application's relations, each one query. */
final class CatalogReader {
    /** The group's ACL entry granted by the owner, in an ACL column {@code acl} owned by {@code owner}. */
    private static final String HELD = "(SELECT coalesce(string_agg(x.privilege_type || CASE WHEN x.is_grantable"
            + " THEN '*' ELSE '' END, ',' ORDER BY x.privilege_type), '') FROM aclexplode(%s) x"
            + " WHERE x.grantee = %s AND x.grantor = %s)";

    private final Connection connection;
    private final long group;

    CatalogReader(Connection connection, long group) {
        this.connection = connection;
        this.group = group;
    }

    static String held(String acl, String grantee, String owner) {
        return String.format(HELD, acl, grantee, owner);
    }

    /** The group role's oid, or -1 when there is no such role. */
    static long roleOid(Connection connection, String role) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT oid FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    /** Tables and views by schema and name; names with no relation are absent from the result. */
    Map<List<String>, Relation> byName(Collection<List<String>> names) throws SQLException {
        List<Long> oids = new ArrayList<>();
        try (PreparedStatement ps =
                connection.prepareStatement("SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " JOIN unnest(?::text[], ?::text[]) w(s, t) ON n.nspname = w.s AND c.relname = w.t"
                        + " WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')")) {
            ps.setArray(1, texts(names.stream().map(n -> n.get(0)).toList()));
            ps.setArray(2, texts(names.stream().map(n -> n.get(1)).toList()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    oids.add(rs.getLong(1));
                }
            }
        }
        Map<List<String>, Relation> out = new LinkedHashMap<>();
        for (Relation r : relations(oids)) {
            out.put(List.of(r.schema(), r.name()), r);
        }
        return out;
    }

    /** The relations with these oids, with their columns in attnum order. */
    List<Relation> relations(Collection<Long> oids) throws SQLException {
        if (oids.isEmpty()) {
            return List.of();
        }
        Map<Long, List<Relation.Column>> columns = columns(oids);
        List<Relation> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT c.oid, n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner),"
                        + " pg_has_role(current_user, c.relowner, 'USAGE'), has_table_privilege(c.oid, 'SELECT'), c.relrowsecurity, "
                        + held("c.relacl", "?", "c.relowner")
                        + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY(?::oid[])"
                        + " ORDER BY n.nspname, c.relname")) {
            ps.setLong(1, group);
            ps.setArray(2, oidArray(oids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Relation(
                            rs.getLong(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4).charAt(0),
                            rs.getString(5),
                            rs.getBoolean(6),
                            rs.getBoolean(7),
                            rs.getBoolean(8),
                            rs.getString(9),
                            columns.getOrDefault(rs.getLong(1), List.of())));
                }
            }
        }
        return out;
    }

    private Map<Long, List<Relation.Column>> columns(Collection<Long> oids) throws SQLException {
        Map<Long, List<Relation.Column>> out = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT a.attrelid, a.attnum, a.attname, bt.oid, quote_ident(tn.nspname) || '.' || quote_ident(bt.typname),"
                        + " CASE WHEN a.attcollation = 0 THEN '' ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END, "
                        + held("a.attacl", "?", "c.relowner")
                        + " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                        // A domain's base type, through domains over domains.
                        + " CROSS JOIN LATERAL (WITH RECURSIVE d(oid) AS (SELECT a.atttypid UNION ALL SELECT t.typbasetype"
                        + " FROM pg_type t JOIN d ON t.oid = d.oid WHERE t.typtype = 'd')"
                        + " SELECT t.oid, t.typname, t.typnamespace FROM d JOIN pg_type t ON t.oid = d.oid WHERE t.typtype <> 'd') bt"
                        + " JOIN pg_namespace tn ON tn.oid = bt.typnamespace"
                        + " LEFT JOIN pg_collation co ON co.oid = a.attcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace"
                        + " WHERE a.attrelid = ANY(?::oid[]) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum")) {
            ps.setLong(1, group);
            ps.setArray(2, oidArray(oids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
                            .add(new Relation.Column(
                                    rs.getInt(2),
                                    rs.getString(3),
                                    rs.getLong(4),
                                    rs.getString(5),
                                    rs.getString(6),
                                    rs.getString(7)));
                }
            }
        }
        return out;
    }

    /**
     * By relation, its generated columns and the columns each is computed from: a column generated
     * from a masked one carries its value.
     */
    Map<Long, Map<String, Set<String>>> generatedFrom(Collection<Long> oids) throws SQLException {
        Map<Long, Map<String, Set<String>>> out = new HashMap<>();
        if (oids.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps =
                connection.prepareStatement("SELECT ad.adrelid, g.attname, s.attname FROM pg_attrdef ad"
                        + " JOIN pg_attribute g ON g.attrelid = ad.adrelid AND g.attnum = ad.adnum AND g.attgenerated <> ''"
                        + " JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid"
                        + " AND d.refclassid = 'pg_class'::regclass AND d.refobjid = ad.adrelid AND d.refobjsubid > 0"
                        + " JOIN pg_attribute s ON s.attrelid = ad.adrelid AND s.attnum = d.refobjsubid"
                        + " WHERE ad.adrelid = ANY(?::oid[]) ORDER BY 1, 2, 3")) {
            ps.setArray(1, oidArray(oids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getLong(1), k -> new LinkedHashMap<>())
                            .computeIfAbsent(rs.getString(2), k -> new LinkedHashSet<>())
                            .add(rs.getString(3));
                }
            }
        }
        return out;
    }

    /**
     * Every inheritance parent and partitioned ancestor above {@code oids}, each with the
     * relations below it among {@code oids}: a scan of a parent returns its children's rows.
     */
    Map<Long, List<Long>> ancestors(Collection<Long> oids) throws SQLException {
        Map<Long, List<Long>> out = new LinkedHashMap<>();
        if (oids.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = connection.prepareStatement(
                "WITH RECURSIVE up(below, parent) AS (SELECT inhrelid, inhparent FROM pg_inherits WHERE inhrelid = ANY(?::oid[])"
                        + " UNION SELECT up.below, i.inhparent FROM up JOIN pg_inherits i ON i.inhrelid = up.parent)"
                        + " SELECT parent, below FROM up ORDER BY parent, below")) {
            ps.setArray(1, oidArray(oids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getLong(2));
                }
            }
        }
        return out;
    }

    /** Every partition and inheritance child below {@code roots}, each with its direct parents. */
    Map<Long, List<Long>> descendants(Collection<Long> roots) throws SQLException {
        Map<Long, List<Long>> parents = new LinkedHashMap<>();
        if (roots.isEmpty()) {
            return parents;
        }
        try (PreparedStatement ps = connection.prepareStatement(
                "WITH RECURSIVE tree(child, parent) AS (SELECT inhrelid, inhparent FROM pg_inherits WHERE inhparent = ANY(?::oid[])"
                        + " UNION SELECT i.inhrelid, i.inhparent FROM pg_inherits i JOIN tree ON i.inhparent = tree.child)"
                        + " SELECT child, parent FROM tree ORDER BY child, parent")) {
            ps.setArray(1, oidArray(roots));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    parents.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
                            .add(rs.getLong(2));
                }
            }
        }
        return parents;
    }

    /**
     * Views and materialized views that read any of {@code oids}, directly or through other views,
     * outside masking schemas (the masking views show only masked values, and what reads them too).
     */
    Set<Long> dependentViews(Collection<Long> oids) throws SQLException {
        Set<Long> out = new LinkedHashSet<>();
        if (oids.isEmpty()) {
            return out;
        }
        String step = " JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class"
                + " WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND r.ev_class <> d.refobjid"
                + " AND v.relnamespace NOT IN (SELECT oid FROM masking)";
        try (PreparedStatement ps = connection.prepareStatement(
                "WITH RECURSIVE masking(oid) AS (SELECT objoid FROM pg_description WHERE classoid = 'pg_namespace'::regclass"
                        + " AND starts_with(description, '" + MaskingObjects.VIEW_SCHEMA_COMMENT + "')),"
                        + " dep(oid) AS (SELECT r.ev_class FROM pg_depend d" + step + " AND d.refobjid = ANY(?::oid[])"
                        + " UNION SELECT r.ev_class FROM dep JOIN pg_depend d ON d.refobjid = dep.oid" + step + ")"
                        + " SELECT oid FROM dep ORDER BY oid")) {
            ps.setArray(1, oidArray(oids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }

    /**
     * Relations on which the group holds a column SELECT (from anyone), as only masking grants; a
     * column UPDATE made by hand is a privilege beyond the policy, for the schema-wide check.
     */
    Set<Long> withColumnGrants() throws SQLException {
        Set<Long> out = new LinkedHashSet<>();
        try (PreparedStatement ps =
                connection.prepareStatement("SELECT DISTINCT a.attrelid FROM pg_attribute a, aclexplode(a.attacl) x"
                        + " WHERE a.attacl IS NOT NULL AND x.grantee = ? AND x.privilege_type = 'SELECT' ORDER BY 1")) {
            ps.setLong(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }

    private Array texts(List<String> values) throws SQLException {
        return connection.createArrayOf("text", values.toArray());
    }

    private Array oidArray(Collection<Long> oids) throws SQLException {
        return connection.createArrayOf("int8", oids.toArray());
    }
}
