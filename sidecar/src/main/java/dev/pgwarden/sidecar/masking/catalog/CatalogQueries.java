package dev.pgwarden.sidecar.masking.catalog;

import dev.pgwarden.sidecar.masking.plan.CatalogSnapshot;
import dev.pgwarden.sidecar.masking.plan.MaskedColumn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The queries masking runs on PostgreSQL's catalog, one method each, in the transaction the
 * caller opened. Relations are named by OID with {@code [schema, name]}, as pg_class has them.
 */
final class CatalogQueries {
    private CatalogQueries() {}

    /** A row of the view dependency query: {@code view} depends on relation or function {@code on}. */
    record ViewDependency(int view, int on, boolean function, String functionName) {}

    /** Every table, view, materialized view, partitioned table and foreign table: OID to [schema, name]. */
    static Map<Integer, String[]> relations(Connection c) throws SQLException {
        Map<Integer, String[]> out = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                + " WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')")) {
            while (rs.next()) {
                out.put((int) rs.getLong(1), new String[] {rs.getString(2), rs.getString(3)});
            }
        }
        return out;
    }

    /** Partitions and inheritance children hold the same columns: selecting from them directly is masked too. */
    static void inheritanceChildren(Connection c, Map<Integer, Map<String, MaskedColumn>> masked) throws SQLException {
        if (masked.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement(
                "WITH RECURSIVE kids(root, child) AS (SELECT inhparent, inhrelid FROM pg_inherits WHERE inhparent = ANY(?)"
                        + " UNION SELECT k.root, i.inhrelid FROM kids k JOIN pg_inherits i ON i.inhparent = k.child)"
                        + " SELECT root, child FROM kids")) {
            s.setArray(1, c.createArrayOf("oid", masked.keySet().toArray()));
            try (ResultSet rs = s.executeQuery()) {
                Map<Integer, Map<String, MaskedColumn>> children = new HashMap<>();
                while (rs.next()) {
                    int root = (int) rs.getLong(1);
                    int child = (int) rs.getLong(2);
                    children.computeIfAbsent(child, k -> new LinkedHashMap<>()).putAll(masked.get(root));
                }
                children.forEach((child, cols) -> masked.merge(child, cols, (a, b) -> {
                    a.putAll(b);
                    return a;
                }));
            }
        }
    }

    /**
     * Adds the inheritance parents and partitioned ancestors of the masked relations, masked on the
     * columns of the same name: a scan of a parent returns its children's rows, masked values
     * included ({@code SELECT email FROM people} where customers inherits people). A column the
     * parent already masks keeps its own rule.
     */
    static void inheritanceParents(Connection c, Map<Integer, Map<String, MaskedColumn>> masked) throws SQLException {
        if (masked.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement(
                "WITH RECURSIVE up(root, parent) AS (SELECT inhrelid, inhparent FROM pg_inherits WHERE inhrelid = ANY(?)"
                        + " UNION SELECT u.root, i.inhparent FROM up u JOIN pg_inherits i ON i.inhrelid = u.parent)"
                        + " SELECT root, parent FROM up")) {
            s.setArray(1, c.createArrayOf("oid", masked.keySet().toArray()));
            Map<Integer, Map<String, MaskedColumn>> parents = new HashMap<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Map<String, MaskedColumn> fromChild = masked.get((int) rs.getLong(1));
                    Map<String, MaskedColumn> cols =
                            parents.computeIfAbsent((int) rs.getLong(2), k -> new LinkedHashMap<>());
                    fromChild.forEach(cols::putIfAbsent);
                }
            }
            parents.forEach((parent, cols) -> {
                Map<String, MaskedColumn> own = masked.computeIfAbsent(parent, k -> new LinkedHashMap<>());
                cols.forEach(own::putIfAbsent);
            });
        }
    }

    /**
     * The views and materialized views outside the system schemas that read the statistics
     * (pg_stats and its kin, over pg_statistic and pg_statistic_ext_data), directly or through other
     * views: their columns may show sample values of masked columns. By OID: column name to attnum.
     */
    static Map<Integer, Map<String, Integer>> statisticsViews(Connection c) throws SQLException {
        Map<Integer, Map<String, Integer>> out = new HashMap<>();
        String step = " JOIN pg_rewrite r ON r.oid = d.objid WHERE d.classid = 'pg_rewrite'::regclass"
                + " AND d.refclassid = 'pg_class'::regclass AND r.ev_class <> d.refobjid";
        try (Statement s = c.createStatement();
                // The system's own views depend on pinned catalogs with no pg_depend row: the first step
                // reads the definitions (pg_get_viewdef names pg_stats and its kin), the next ones pg_depend.
                ResultSet rs = s.executeQuery("WITH RECURSIVE dep(oid) AS (SELECT v.oid FROM pg_class v"
                        + " JOIN pg_namespace vn ON vn.oid = v.relnamespace WHERE v.relkind IN ('v', 'm')"
                        + " AND vn.nspname NOT IN ('pg_catalog', 'information_schema')"
                        + " AND pg_catalog.pg_get_viewdef(v.oid) ~ 'pg_stat(s|istic)'"
                        + " UNION SELECT r.ev_class FROM dep JOIN pg_depend d ON d.refobjid = dep.oid" + step + ")"
                        + " SELECT c.oid, a.attname, a.attnum FROM dep JOIN pg_class c ON c.oid = dep.oid"
                        + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
                        + " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')")) {
            while (rs.next()) {
                out.computeIfAbsent((int) rs.getLong(1), k -> new LinkedHashMap<>())
                        .put(rs.getString(2), rs.getInt(3));
            }
        }
        return out;
    }

    /**
     * The tables whose own code calls one of {@code functions}: a column default or generated
     * expression, a trigger, an index expression, a CHECK constraint. A write to such a table runs
     * the function without naming it. By OID: column name to attnum.
     */
    static Map<Integer, Map<String, Integer>> tablesRunning(Connection c, java.util.Collection<Integer> functions)
            throws SQLException {
        Map<Integer, Map<String, Integer>> out = new HashMap<>();
        if (functions.isEmpty()) {
            return out;
        }
        try (PreparedStatement s = c.prepareStatement("WITH t(oid) AS (SELECT DISTINCT CASE d.classid"
                + " WHEN 'pg_attrdef'::regclass THEN (SELECT adrelid FROM pg_attrdef WHERE oid = d.objid)"
                + " WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = d.objid)"
                + " WHEN 'pg_constraint'::regclass THEN (SELECT conrelid FROM pg_constraint WHERE oid = d.objid)"
                + " WHEN 'pg_class'::regclass THEN (SELECT indrelid FROM pg_index WHERE indexrelid = d.objid) END"
                + " FROM pg_depend d WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid = ANY(?))"
                + " SELECT a.attrelid, a.attname, a.attnum FROM t"
                + " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped")) {
            s.setArray(1, c.createArrayOf("oid", functions.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent((int) rs.getLong(1), k -> new LinkedHashMap<>())
                            .put(rs.getString(2), rs.getInt(3));
                }
            }
        }
        return out;
    }

    /** The masked attributes of the masked relations, by {@link CatalogSnapshot#key}. */
    static void attributes(
            Connection c, Map<Integer, Map<String, MaskedColumn>> masked, Map<Long, CatalogSnapshot.Attribute> out)
            throws SQLException {
        if (masked.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("SELECT attrelid, attname, attnum FROM pg_attribute"
                + " WHERE attrelid = ANY(?) AND attnum > 0 AND NOT attisdropped")) {
            s.setArray(1, c.createArrayOf("oid", masked.keySet().toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    int rel = (int) rs.getLong(1);
                    MaskedColumn m = masked.get(rel).get(rs.getString(2));
                    if (m != null) {
                        out.put(
                                CatalogSnapshot.key(rel, rs.getInt(3)),
                                new CatalogSnapshot.Attribute(m.qualifiedName(), m.strategy()));
                    }
                }
            }
        }
    }

    /**
     * The views pgwarden keeps in the database for masking (in a schema whose comment says so and
     * which the session's role does not own): their columns hold masked values already, and masking
     * them again would change them (a partial of a partial, a hash of a hash).
     */
    static Set<Integer> maskingViews(Connection c) throws SQLException {
        Set<Integer> out = new HashSet<>();
        try (PreparedStatement s = c.prepareStatement("SELECT c.oid FROM pg_class c JOIN pg_namespace n"
                + " ON n.oid = c.relnamespace WHERE c.relkind = 'v'"
                + " AND starts_with(coalesce(pg_catalog.obj_description(n.oid, 'pg_namespace'), ''), ?)"
                + " AND NOT pg_catalog.pg_has_role(current_user, n.nspowner, 'USAGE')"
                + " AND NOT pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE')")) {
            s.setString(1, dev.pgwarden.database.masking.MaskingSchemas.VIEW_SCHEMA_COMMENT);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add((int) rs.getLong(1));
                }
            }
        }
        return out;
    }

    /** Functions outside pg_catalog and information_schema that no extension owns: OID to name. */
    static Map<Integer, String> userFunctions(Connection c) throws SQLException {
        Map<Integer, String> out = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT p.oid, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                                + " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
                                + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass"
                                + " AND d.objid = p.oid AND d.deptype = 'e')")) {
            while (rs.next()) {
                out.put((int) rs.getLong(1), rs.getString(2));
            }
        }
        return out;
    }

    /**
     * The user functions (as {@link #userFunctions}) with what pgwarden reads of them. A SQL function
     * with a {@code BEGIN ATOMIC} body has no source text: its definition as PostgreSQL prints it
     * stands in. Aggregates have no body of their own and are read as {@code internal}.
     */
    static List<FunctionReads.UserFunction> userFunctionBodies(Connection c) throws SQLException {
        List<FunctionReads.UserFunction> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT n.nspname, p.proname, p.prosecdef, CASE WHEN p.prokind = 'a' THEN 'internal' ELSE l.lanname END,"
                                + " CASE WHEN p.prokind <> 'a' AND coalesce(p.prosrc, '') = '' THEN pg_catalog.pg_get_functiondef(p.oid)"
                                + " ELSE p.prosrc END"
                                + " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang"
                                + " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
                                + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass"
                                + " AND d.objid = p.oid AND d.deptype = 'e')")) {
            while (rs.next()) {
                out.add(new FunctionReads.UserFunction(
                        rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getString(4), rs.getString(5)));
            }
        }
        return out;
    }

    /**
     * Whether the session's role can read none of the masked columns of {@code masked} (PostgreSQL
     * then masks them itself, through the masking views), by OID and column name.
     */
    static boolean databaseMasks(Connection c, Map<Integer, Map<String, MaskedColumn>> masked) throws SQLException {
        if (masked.isEmpty()) {
            return false;
        }
        try (PreparedStatement s = c.prepareStatement("SELECT coalesce(bool_or(pg_catalog.has_column_privilege("
                + "a.attrelid, a.attnum, 'SELECT')), false) FROM pg_attribute a"
                + " WHERE a.attrelid = ?::oid AND a.attname = ANY(?) AND a.attnum > 0 AND NOT a.attisdropped")) {
            for (Map.Entry<Integer, Map<String, MaskedColumn>> e : masked.entrySet()) {
                s.setLong(1, e.getKey() & 0xffffffffL);
                s.setArray(2, c.createArrayOf("text", e.getValue().keySet().toArray()));
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** All column names of the tainted relations, for telling columns from functional notation. */
    static Map<String, Set<String>> columnNames(
            Connection c, Set<Integer> taintedOids, Map<Integer, String[]> relations) throws SQLException {
        Map<String, Set<String>> out = new HashMap<>();
        if (taintedOids.isEmpty()) {
            return out;
        }
        try (PreparedStatement s = c.prepareStatement("SELECT attrelid, attname FROM pg_attribute"
                + " WHERE attrelid = ANY(?) AND attnum > 0 AND NOT attisdropped")) {
            s.setArray(1, c.createArrayOf("oid", taintedOids.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String[] name = relations.get((int) rs.getLong(1));
                    if (name != null) {
                        out.computeIfAbsent(name[1], k -> new HashSet<>()).add(rs.getString(2));
                        out.computeIfAbsent(name[0] + "." + name[1], k -> new HashSet<>())
                                .add(rs.getString(2));
                    }
                }
            }
        }
        return out;
    }

    /** What every view and materialized view reads: the relations and functions its rewrite rule depends on. */
    static List<ViewDependency> viewDependencies(Connection c) throws SQLException {
        List<ViewDependency> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT DISTINCT r.ev_class, d.refobjid, d.refclassid = 'pg_proc'::regclass, p.proname FROM pg_rewrite r"
                                + " JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid"
                                + " AND d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass)"
                                + " LEFT JOIN pg_proc p ON d.refclassid = 'pg_proc'::regclass AND p.oid = d.refobjid"
                                + " WHERE d.refobjid <> r.ev_class")) {
            while (rs.next()) {
                out.add(new ViewDependency(
                        (int) rs.getLong(1), (int) rs.getLong(2), rs.getBoolean(3), rs.getString(4)));
            }
        }
        return out;
    }

    /** A view's definition as the server prints it. */
    static String viewDefinition(Connection c, int view) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_get_viewdef(?::oid)")) {
            s.setLong(1, view & 0xffffffffL);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** A relation's column names in order. */
    static List<String> columnsInOrder(Connection c, int relation) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT attname FROM pg_attribute WHERE attrelid = ?::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
            s.setLong(1, relation & 0xffffffffL);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }
}
