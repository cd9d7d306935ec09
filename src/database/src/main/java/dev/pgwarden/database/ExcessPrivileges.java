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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the group holds beyond its policy once {@link RoleManager#ensureGroup} has set what it
 * manages: default privileges left by a former schema owner or admin or made by hand, privileges
 * on tables, sequences, columns and schemas anywhere in the database that the policy does not
 * grant (granted by hand, by another grantor, or left in a schema the policy no longer names),
 * grants to PUBLIC beyond the mode inside the policy's schemas, and memberships in other roles
 * (a {@code pg_write_all_data} would undo any policy). What the admin can revoke, acting as the
 * object's owner, is revoked; the rest comes back as drift, each with the statement to run
 * and whom to run it as. Each revoke runs in a savepoint of the apply's transaction, so one that
 * cannot be made never undoes the others.
 *
 * <p>What masking grants is masking's to keep exact and is left alone here: the privileges the
 * owner gave the group on governed relations (SELECT on unmasked columns, the mode's writes), on
 * the masking views and on their schemas.
 */
final class ExcessPrivileges {
    private static final String GROUP_OID = "(SELECT oid FROM pg_roles WHERE rolname = ?)";
    private static final String SYSTEM_SCHEMA =
            "(n.nspname IN ('pg_catalog', 'information_schema')" + " OR n.nspname LIKE 'pg\\_%')";

    private final Connection connection;
    private final RoleManager roles;

    ExcessPrivileges(Connection connection, RoleManager roles) {
        this.connection = connection;
        this.roles = roles;
    }

    /**
     * One ACL entry: on what, which privilege, to whom (0 = PUBLIC), granted by whom, whose object;
     * {@code masked} when masking decides the object's privileges.
     */
    private record Entry(
            String object,
            String privilege,
            boolean toPublic,
            String grantor,
            String owner,
            boolean inPolicy,
            String kind,
            boolean masked) {
        /** An entry masking made (or would make): the owner's grant to the group on what masking decides. */
        boolean masking() {
            return masked && !toPublic && grantor.equals(owner);
        }
    }

    /**
     * Revokes what it can, then looks again and returns what is left: a REVOKE
     * PostgreSQL answers with a warning ("no privileges could be revoked") changes nothing, and only
     * a second look tells.
     */
    List<PrivilegeDrift> revokeOrReport(RoleNames names, AccessMode mode, List<String> schemas, MaskingScope masking)
            throws SQLException {
        List<PrivilegeDrift> left = new ArrayList<>();
        defaults(names.group(), wantedDefaults(schemas), left);
        String[] policySchemas = schemas.toArray(String[]::new);
        for (Entry entry : relationEntries(names.group(), policySchemas, masking)) {
            // PUBLIC's entries are never revoked here: that would change every role's access.
            if (!allowed(entry, mode)
                    && !entry.toPublic()
                    && entry.grantor().equals(entry.owner())
                    && roles.hasPrivilegesOf(entry.owner())) {
                tryExecute(revoke(entry, names) + " CASCADE");
            }
        }
        for (Entry entry : relationEntries(names.group(), policySchemas, masking)) {
            if (!allowed(entry, mode)) {
                left.add(new PrivilegeDrift(
                        PrivilegeDrift.Kind.EXCESS_PRIVILEGE,
                        entry.privilege() + " on " + entry.object() + (entry.toPublic() ? " (granted to PUBLIC)" : "")
                                + " is beyond the policy",
                        entry.grantor(),
                        revoke(entry, names)));
            }
        }
        for (Membership m : memberships(names)) {
            tryExecute(revoke(m));
        }
        for (Membership m : memberships(names)) {
            left.add(new PrivilegeDrift(
                    PrivilegeDrift.Kind.EXCESS_MEMBERSHIP,
                    m.member() + " is a member of " + m.role() + ", which the policy does not grant",
                    "a role with ADMIN on " + m.role(),
                    revoke(m)));
        }
        return left;
    }

    private static String revoke(Entry entry, RoleNames names) {
        return "REVOKE " + entry.privilege() + " ON " + entry.object() + " FROM "
                + (entry.toPublic() ? "PUBLIC" : Sql.ident(names.group()));
    }

    private static String revoke(Membership m) {
        return "REVOKE " + Sql.ident(m.role()) + " FROM " + Sql.ident(m.member());
    }

    private static boolean allowed(Entry entry, AccessMode mode) {
        if (entry.masking()) {
            return true;
        }
        if (!entry.inPolicy()) {
            return false;
        }
        List<String> allowed =
                switch (entry.kind()) {
                    case "schema" -> List.of("USAGE");
                    case "sequence" -> ModePrivileges.each(ModePrivileges.sequences(mode));
                    default -> ModePrivileges.each(ModePrivileges.tables(mode));
                };
        return allowed.contains(entry.privilege());
    }

    /**
     * The group's entries on schemas, relations and columns outside the system schemas, and
     * PUBLIC's entries on relations and columns inside the policy's schemas.
     */
    private List<Entry> relationEntries(String group, String[] policySchemas, MaskingScope masking)
            throws SQLException {
        String inPolicy = "n.nspname = ANY (?)";
        String grantee = "(a.grantee = " + GROUP_OID + " OR (a.grantee = 0 AND " + inPolicy + "))";
        String sql = "SELECT n.nspname, NULL, NULL, a.privilege_type, a.grantee = 0, pg_get_userbyid(a.grantor),"
                + " pg_get_userbyid(n.nspowner), " + inPolicy + ", 'schema'"
                + " FROM pg_namespace n, aclexplode(n.nspacl) a WHERE a.grantee = " + GROUP_OID + " AND NOT "
                + SYSTEM_SCHEMA
                + " UNION ALL"
                + " SELECT n.nspname, c.relname, NULL, a.privilege_type, a.grantee = 0, pg_get_userbyid(a.grantor),"
                + " pg_get_userbyid(c.relowner), " + inPolicy
                + ", CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END"
                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a"
                + " WHERE c.relacl IS NOT NULL AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND NOT " + SYSTEM_SCHEMA
                + " AND " + grantee
                + " UNION ALL"
                + " SELECT n.nspname, c.relname, at.attname, a.privilege_type, a.grantee = 0, pg_get_userbyid(a.grantor),"
                + " pg_get_userbyid(c.relowner), false, 'column'"
                + " FROM pg_attribute at JOIN pg_class c ON c.oid = at.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace,"
                + " aclexplode(at.attacl) a WHERE at.attacl IS NOT NULL AND NOT at.attisdropped AND NOT "
                + SYSTEM_SCHEMA
                + " AND " + grantee;
        List<Entry> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            java.sql.Array schemasArray = connection.createArrayOf("text", policySchemas);
            int i = 1;
            ps.setArray(i++, schemasArray); // schemas: inPolicy, group
            ps.setString(i++, group);
            ps.setArray(i++, schemasArray); // relations: inPolicy, group, inPolicy
            ps.setString(i++, group);
            ps.setArray(i++, schemasArray);
            ps.setString(i++, group); // columns: group, inPolicy
            ps.setArray(i, schemasArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String kind = rs.getString(9);
                    String schema = Sql.ident(rs.getString(1));
                    String object =
                            switch (kind) {
                                case "schema" -> "SCHEMA " + schema;
                                case "sequence" -> "SEQUENCE " + schema + "." + Sql.ident(rs.getString(2));
                                default -> "TABLE " + schema + "." + Sql.ident(rs.getString(2));
                            };
                    // A column privilege is written "UPDATE (col) ON TABLE t"; the policy grants none at column level.
                    String privilege = "column".equals(kind)
                            ? rs.getString(4) + " (" + Sql.ident(rs.getString(3)) + ")"
                            : rs.getString(4);
                    boolean masked = "schema".equals(kind)
                            ? masking.viewSchemas().contains(rs.getString(1))
                            : masking.decides(rs.getString(1), rs.getString(2));
                    out.add(new Entry(
                            object,
                            privilege,
                            rs.getBoolean(5),
                            rs.getString(6),
                            rs.getString(7),
                            rs.getBoolean(8),
                            kind,
                            masked));
                }
            }
        }
        return out;
    }

    private record Membership(String role, String member) {}

    /**
     * Roles the group or its logins are members of, besides the group itself (the group's other
     * members, such as the admin on PostgreSQL 16+, are not ours to judge).
     */
    private List<Membership> memberships(RoleNames names) throws SQLException {
        List<Membership> found = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT pg_get_userbyid(m.roleid), pg_get_userbyid(m.member) FROM pg_auth_members m"
                        + " WHERE m.roleid <> " + GROUP_OID + " AND (m.member = " + GROUP_OID
                        + " OR m.member IN (SELECT member FROM pg_auth_members WHERE roleid = " + GROUP_OID + "))")) {
            for (int i = 1; i <= 3; i++) {
                ps.setString(i, names.group());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Membership m = new Membership(rs.getString(1), rs.getString(2));
                    if (m.member().equals(names.group()) || names.isLogin(m.member())) {
                        found.add(m);
                    }
                }
            }
        }
        return found;
    }

    /** A revoke whose failure the second look reports; the error itself adds nothing to that. */
    private void tryExecute(String sql) throws SQLException {
        Transactions.attempt(connection, () -> execute(sql));
    }

    /** The (creator, schema) pairs whose default privileges the policy explains. */
    private Set<String> wantedDefaults(List<String> schemas) throws SQLException {
        Set<String> wanted = new LinkedHashSet<>();
        for (String schema : schemas) {
            String owner = roles.schemaOwner(schema);
            if (owner != null) {
                for (String creator : roles.creators(owner)) {
                    wanted.add(creator + "\0" + schema);
                }
            }
        }
        return wanted;
    }

    private void defaults(String group, Set<String> wanted, List<PrivilegeDrift> left) throws SQLException {
        record DefaultAcl(String creator, String schema, String objects) {}
        List<DefaultAcl> found = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT DISTINCT pg_get_userbyid(d.defaclrole), n.nspname, d.defaclobjtype::text"
                        + " FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace,"
                        + " aclexplode(d.defaclacl) a WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ?)")) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(new DefaultAcl(
                            rs.getString(1),
                            rs.getString(2),
                            switch (rs.getString(3)) {
                                case "r" -> "TABLES";
                                case "S" -> "SEQUENCES";
                                case "f" -> "FUNCTIONS";
                                case "T" -> "TYPES";
                                case "n" -> "SCHEMAS";
                                default -> "LARGE OBJECTS";
                            }));
                }
            }
        }
        for (DefaultAcl acl : found) {
            boolean explained = acl.schema() != null
                    && wanted.contains(acl.creator() + "\0" + acl.schema())
                    && (acl.objects().equals("TABLES") || acl.objects().equals("SEQUENCES"));
            if (explained) {
                continue; // ensureGroup already made it exactly the mode's
            }
            String statement = "ALTER DEFAULT PRIVILEGES FOR ROLE " + Sql.ident(acl.creator())
                    + (acl.schema() == null ? "" : " IN SCHEMA " + Sql.ident(acl.schema()))
                    + " REVOKE ALL ON " + acl.objects() + " FROM " + Sql.ident(group);
            if (roles.hasPrivilegesOf(acl.creator())) {
                execute(statement);
            } else {
                left.add(new PrivilegeDrift(
                        PrivilegeDrift.Kind.EXCESS_DEFAULT_PRIVILEGES,
                        "default privileges of role "
                                + acl.creator() + " give the group privileges on every new "
                                + acl.objects().toLowerCase(Locale.ROOT)
                                + (acl.schema() == null ? "" : " in schema " + acl.schema()),
                        acl.creator() + " or a superuser",
                        statement));
            }
        }
    }

    private void execute(String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
