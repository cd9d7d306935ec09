package dev.pgwarden.database;

import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.database.sql.ModePrivileges;
import dev.pgwarden.database.sql.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The group's privileges in one schema, made exactly the mode's: USAGE on the schema, SELECT on
 * tables and sequences, plus INSERT, UPDATE, DELETE and sequence USAGE for ReadWrite, present and
 * future. Where the group's entry in an object's ACL differs (a hand-made TRUNCATE, writes after a
 * switch to ReadOnly), it is revoked and granted again in the caller's transaction, so no session
 * sees the gap. Where it already matches nothing is written: a reconcile every few minutes must
 * not rewrite catalog rows that the application's own DDL and grants update too (concurrent
 * updates of one row fail with "tuple concurrently updated").
 *
 * <p>Relations whose privileges masking sets (masked tables, their children, views over them) are
 * left alone, and a policy that masks anything gives future tables no SELECT: see
 * {@link MaskingScope#futureTables}.
 *
 * <p>Tables are handled one by one, by name, and only where the admin holds the owner's
 * privileges: PostgreSQL refuses a GRANT or REVOKE outright on a table the admin has no rights on,
 * and {@code ON ALL TABLES IN SCHEMA} would then fail the whole schema for one table. Grants the
 * admin cannot make come back as drift naming the statement the owner has to run.
 */
final class SchemaGrants {
    /** Objects per GRANT statement: one round trip per batch, statements of a sane size. */
    private static final int BATCH = 200;
    /** The group's oid, with the group's name bound as the statement's last parameter. */
    private static final String GROUP_OID = "(SELECT oid FROM pg_roles WHERE rolname = ?)";

    private final Connection connection;
    private final String group;

    SchemaGrants(Connection connection, String group) {
        this.connection = connection;
        this.group = group;
    }

    /**
     * A table, view or sequence, and the group's entry in its ACL as granted by the owner (the one
     * the admin, acting as owner, writes): "DELETE,INSERT,SELECT*", sorted, * for a grant option.
     * Entries other grantors made are {@link ExcessPrivileges}' business.
     */
    private record Relation(String name, String owner, boolean sequence, boolean manageable, String held) {}

    /**
     * Grants the mode's privileges on the schema's relations, leaving alone those whose privileges
     * masking sets; returns the grants the admin could not make.
     */
    List<PrivilegeDrift> apply(String schema, AccessMode mode, Set<String> creators, MaskingScope masking)
            throws SQLException {
        String s = Sql.ident(schema);
        String g = Sql.ident(group);
        List<PrivilegeDrift> missing = new ArrayList<>();
        schema(schema, missing);
        String tablePrivileges = ModePrivileges.tables(mode);
        String sequencePrivileges = ModePrivileges.sequences(mode);
        List<Relation> relations = relations(schema).stream()
                .filter(r -> !masking.governed().contains(r.name()))
                .toList();
        List<Relation> differing = relations.stream()
                .filter(r ->
                        !r.held().equals(ModePrivileges.canonical(r.sequence() ? sequencePrivileges : tablePrivileges)))
                .toList();
        for (List<String> batch : batches(differing, false)) {
            execute("REVOKE ALL ON TABLE " + String.join(", ", batch) + " FROM " + g + " CASCADE");
            execute("GRANT " + tablePrivileges + " ON TABLE " + String.join(", ", batch) + " TO " + g);
        }
        for (List<String> batch : batches(differing, true)) {
            execute("REVOKE ALL ON SEQUENCE " + String.join(", ", batch) + " FROM " + g + " CASCADE");
            execute("GRANT " + sequencePrivileges + " ON SEQUENCE " + String.join(", ", batch) + " TO " + g);
        }
        String futureTables = masking.futureTables(mode);
        for (String creator : creators) {
            String prefix = "ALTER DEFAULT PRIVILEGES FOR ROLE " + Sql.ident(creator) + " IN SCHEMA " + s;
            if (!ModePrivileges.canonical(futureTables).equals(heldDefault(creator, schema, "r"))) {
                execute(prefix + " REVOKE ALL ON TABLES FROM " + g);
                if (!futureTables.isEmpty()) {
                    execute(prefix + " GRANT " + futureTables + " ON TABLES TO " + g);
                }
            }
            if (!ModePrivileges.canonical(sequencePrivileges).equals(heldDefault(creator, schema, "S"))) {
                execute(prefix + " REVOKE ALL ON SEQUENCES FROM " + g);
                execute(prefix + " GRANT " + sequencePrivileges + " ON SEQUENCES TO " + g);
            }
        }
        for (Relation relation : relations) {
            if (!relation.manageable()) {
                String lacking = lacking(relation, relation.sequence() ? sequencePrivileges : tablePrivileges);
                if (!lacking.isEmpty()) {
                    missing.add(new PrivilegeDrift(
                            PrivilegeDrift.Kind.MISSING_GRANT,
                            lacking + " on " + relation.name()
                                    + " is not granted: the admin role does not hold the privileges of its owner "
                                    + relation.owner(),
                            relation.owner(),
                            "GRANT " + lacking + " ON " + relation.name() + " TO " + g));
                }
            }
        }
        return missing;
    }

    /**
     * USAGE on the schema and nothing else, where the admin acts as the schema's owner; elsewhere a
     * missing USAGE is reported (a GRANT would only warn) and extras are left to {@link ExcessPrivileges}.
     */
    private void schema(String schema, List<PrivilegeDrift> missing) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT pg_has_role(current_user, n.nspowner, 'USAGE'), pg_get_userbyid(n.nspowner),"
                        + " has_schema_privilege(?, n.oid, 'USAGE'),"
                        + " (SELECT coalesce(string_agg(a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END, ','"
                        + " ORDER BY a.privilege_type), '') FROM aclexplode(n.nspacl) a"
                        + " WHERE a.grantee = " + GROUP_OID + " AND a.grantor = n.nspowner)"
                        + " FROM pg_namespace n WHERE n.nspname = ?")) {
            ps.setString(1, group);
            ps.setString(2, group);
            ps.setString(3, schema);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                String s = Sql.ident(schema);
                if (rs.getBoolean(1)) {
                    if (!"USAGE".equals(rs.getString(4))) {
                        execute("REVOKE ALL ON SCHEMA " + s + " FROM " + Sql.ident(group) + " CASCADE");
                        execute("GRANT USAGE ON SCHEMA " + s + " TO " + Sql.ident(group));
                    }
                } else if (!rs.getBoolean(3)) {
                    missing.add(new PrivilegeDrift(
                            PrivilegeDrift.Kind.MISSING_GRANT,
                            "USAGE on schema " + s + " is not granted:"
                                    + " the admin role does not hold the privileges of its owner " + rs.getString(2),
                            rs.getString(2),
                            "GRANT USAGE ON SCHEMA " + s + " TO " + Sql.ident(group)));
                }
            }
        }
    }

    /** Takes back everything the group holds in a schema the policy no longer names. */
    void revoke(String schema, Set<String> creators) throws SQLException {
        String s = Sql.ident(schema);
        String g = Sql.ident(group);
        List<Relation> held =
                relations(schema).stream().filter(r -> !r.held().isEmpty()).toList();
        for (List<String> batch : batches(held, false)) {
            execute("REVOKE ALL ON TABLE " + String.join(", ", batch) + " FROM " + g + " CASCADE");
        }
        for (List<String> batch : batches(held, true)) {
            execute("REVOKE ALL ON SEQUENCE " + String.join(", ", batch) + " FROM " + g + " CASCADE");
        }
        // A REVOKE on a schema the admin has no rights on fails outright; what is left there is reported.
        if (actsAsSchemaOwner(schema)) {
            execute("REVOKE ALL ON SCHEMA " + s + " FROM " + g + " CASCADE");
        }
        for (String creator : creators) {
            String prefix = "ALTER DEFAULT PRIVILEGES FOR ROLE " + Sql.ident(creator) + " IN SCHEMA " + s;
            execute(prefix + " REVOKE ALL ON TABLES FROM " + g);
            execute(prefix + " REVOKE ALL ON SEQUENCES FROM " + g);
        }
    }

    private boolean actsAsSchemaOwner(String schema) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT pg_has_role(current_user, nspowner, 'USAGE') FROM pg_namespace WHERE nspname = ?")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /**
     * CONNECT on the database in the group's own ACL entry, so that a later REVOKE from PUBLIC does
     * not lock the agents out. Only a role acting as the database's owner (or holding the grant
     * option) can grant it: anyone else's GRANT only warns, yet rewrites the database's catalog row
     * on every apply, so it is not attempted; it is reported only when the group cannot connect.
     */
    void connect(String database, List<PrivilegeDrift> missing) throws SQLException {
        boolean own = held("SELECT d.datacl FROM pg_database d WHERE d.datname = ?", database)
                .contains("CONNECT");
        if (own) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT pg_has_role(current_user, d.datdba, 'USAGE') OR has_database_privilege(d.oid, 'CONNECT WITH GRANT"
                        + " OPTION'), has_database_privilege(" + GROUP_OID
                        + ", d.oid, 'CONNECT'), pg_get_userbyid(d.datdba)"
                        + " FROM pg_database d WHERE d.datname = ?")) {
            ps.setString(1, group);
            ps.setString(2, database);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String grant = "GRANT CONNECT ON DATABASE " + Sql.ident(database) + " TO " + Sql.ident(group);
                if (rs.getBoolean(1)) {
                    execute(grant);
                } else if (!rs.getBoolean(2)) {
                    missing.add(new PrivilegeDrift(
                            PrivilegeDrift.Kind.MISSING_GRANT,
                            "CONNECT on database " + database
                                    + " is not granted: the admin role does not hold the privileges of its owner "
                                    + rs.getString(3),
                            rs.getString(3),
                            grant));
                }
            }
        }
    }

    /** Tables, views and sequences of the schema, whether the admin acts as their owner, and the group's entry. */
    private List<Relation> relations(String schema) throws SQLException {
        List<Relation> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT c.relname, pg_get_userbyid(c.relowner), c.relkind = 'S', pg_has_role(current_user, c.relowner, 'USAGE'),"
                        + " (SELECT coalesce(string_agg(a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END, ','"
                        + " ORDER BY a.privilege_type), '') FROM aclexplode(c.relacl) a"
                        + " WHERE a.grantee = " + GROUP_OID + " AND a.grantor = c.relowner)"
                        + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE n.nspname = ? AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') ORDER BY c.relname")) {
            ps.setString(1, group);
            ps.setString(2, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Relation(
                            Sql.ident(schema) + "." + Sql.ident(rs.getString(1)),
                            rs.getString(2),
                            rs.getBoolean(3),
                            rs.getBoolean(4),
                            rs.getString(5)));
                }
            }
        }
        return out;
    }

    /** The group's entry in the ACL that {@code aclQuery} selects by one name parameter. */
    private String held(String aclQuery, String name) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT coalesce(string_agg(a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END, ','"
                        + " ORDER BY a.privilege_type), '') FROM (" + aclQuery + ") o(acl), aclexplode(o.acl) a"
                        + " WHERE a.grantee = " + GROUP_OID)) {
            ps.setString(1, name);
            ps.setString(2, group);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        }
    }

    /** The group's entry in {@code creator}'s default privileges for tables (r) or sequences (S) in the schema. */
    private String heldDefault(String creator, String schema, String objectType) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT coalesce(string_agg(a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END, ','"
                        + " ORDER BY a.privilege_type), '') FROM pg_default_acl d, aclexplode(d.defaclacl) a"
                        + " WHERE d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = ?)"
                        + " AND d.defaclnamespace = (SELECT oid FROM pg_namespace WHERE nspname = ?)"
                        + " AND d.defaclobjtype = ?::\"char\" AND a.grantee = " + GROUP_OID)) {
            ps.setString(1, creator);
            ps.setString(2, schema);
            ps.setString(3, objectType);
            ps.setString(4, group);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        }
    }

    private static List<List<String>> batches(List<Relation> relations, boolean sequences) {
        List<String> names = relations.stream()
                .filter(r -> r.manageable() && r.sequence() == sequences)
                .map(Relation::name)
                .toList();
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i += BATCH) {
            out.add(names.subList(i, Math.min(names.size(), i + BATCH)));
        }
        return out;
    }

    /** Which of {@code privileges} the group does not hold on the relation (held by hand counts). */
    private String lacking(Relation relation, String privileges) throws SQLException {
        String check = relation.sequence() ? "has_sequence_privilege" : "has_table_privilege";
        List<String> lacking = new ArrayList<>();
        for (String privilege : ModePrivileges.each(privileges)) {
            try (PreparedStatement ps = connection.prepareStatement("SELECT " + check + "(?, ?, ?)")) {
                ps.setString(1, group);
                ps.setString(2, relation.name());
                ps.setString(3, privilege);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && !rs.getBoolean(1)) {
                        lacking.add(privilege);
                    }
                }
            }
        }
        return lacking.stream().collect(Collectors.joining(", "));
    }

    private void execute(String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
