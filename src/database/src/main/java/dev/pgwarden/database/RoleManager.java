package dev.pgwarden.database;

import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.database.sql.Sql;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.postgresql.PGConnection;

/**
 * The SQL side of a policy: one NOLOGIN group role holding the grants, and short-lived LOGIN roles
 * that are members of it. Every method is idempotent, so a reconcile that failed half way is
 * simply run again.
 */
final class RoleManager {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Connection connection;

    RoleManager(Connection connection) throws SQLException {
        this.connection = connection;
        if (serverVersion() >= 160000 && !isSuperuser()) {
            // Since PostgreSQL 16 a CREATEROLE admin gets only ADMIN OPTION on the roles it creates, not
            // their privileges; without those it can neither DROP OWNED them nor end their sessions.
            execute("SET createrole_self_grant = 'inherit'");
        }
    }

    /**
     * Creates the group if needed (NOLOGIN, CONNECT on the database) and checks that the policy's
     * schemas exist; the grants on them come after masking has said which relations it governs.
     *
     * @return CONNECT, when the admin cannot grant it and the group cannot connect otherwise
     * @throws DatabaseProblemException when the group's name is taken or a schema does not exist
     */
    List<PrivilegeDrift> ensureGroup(RoleNames names, String database, List<String> schemas) throws SQLException {
        String group = names.group();
        List<PrivilegeDrift> missing = new ArrayList<>();
        inTransaction(() -> {
            missing.clear();
            if (!roleExists(group)) {
                execute("CREATE ROLE " + Sql.ident(group) + " NOLOGIN");
                execute("COMMENT ON ROLE " + Sql.ident(group) + " IS " + Sql.literal(names.owner()));
            } else if (ours(names)) {
                if (canLogin(group)) {
                    execute("ALTER ROLE " + Sql.ident(group) + " NOLOGIN");
                }
            } else {
                throw new DatabaseProblemException(new DatabaseProblem.RoleConflict(group, names.owner()));
            }
            new SchemaGrants(connection, group).connect(database, missing);
            for (String schema : schemas) {
                if (schemaOwner(schema) == null) {
                    throw new DatabaseProblemException(new DatabaseProblem.SchemaNotFound(schema, database));
                }
            }
        });
        return List.copyOf(missing);
    }

    /**
     * Makes the group's privileges in the policy's schemas exactly what the mode asks for: USAGE on
     * the schemas and SELECT (plus INSERT, UPDATE, DELETE for ReadWrite) on their tables, present
     * and future, except where masking decides. Schemas dropped from the policy lose every grant.
     *
     * <p>"Future" tables are covered with default privileges for the tables the admin role and each
     * schema's owner create; tables created by other roles need a grant by their owner.
     *
     * @return the grants the admin role could not make (tables whose owner's privileges it lacks),
     *     each with the statement the owner has to run
     */
    List<PrivilegeDrift> grantSchemas(RoleNames names, AccessMode mode, List<String> schemas, MaskingScope masking)
            throws SQLException {
        String group = names.group();
        SchemaGrants grants = new SchemaGrants(connection, group);
        List<PrivilegeDrift> missing = new ArrayList<>();
        inTransaction(() -> {
            missing.clear();
            for (String schema : schemas) {
                missing.addAll(grants.apply(schema, mode, creators(schemaOwner(schema)), masking));
            }
            Set<String> stale = grantedSchemas(group);
            stale.removeAll(schemas);
            stale.removeAll(masking.viewSchemas());
            for (String schema : stale) {
                grants.revoke(schema, creators(schemaOwner(schema)));
            }
        });
        return List.copyOf(missing);
    }

    /**
     * The roles whose future tables the group should see: the admin itself, and the schema's owner
     * when the admin acts with the owner's privileges (ALTER DEFAULT PRIVILEGES FOR ROLE needs them).
     */
    Set<String> creators(String owner) throws SQLException {
        Set<String> creators = new LinkedHashSet<>();
        creators.add(currentUser());
        if (owner != null && hasPrivilegesOf(owner)) {
            creators.add(owner);
        }
        return creators;
    }

    /**
     * Makes sure the admin holds a role's privileges before dropping what it owns or ending its
     * sessions. Roles minted before PostgreSQL 16's self-grant was set, or by another admin with
     * ADMIN OPTION only, get the membership granted here.
     */
    private void takePrivilegesOf(String role) throws SQLException {
        if (hasPrivilegesOf(role)) {
            return;
        }
        execute("GRANT " + Sql.ident(role) + " TO CURRENT_USER"
                + (serverVersion() >= 160000 ? " WITH INHERIT TRUE" : ""));
    }

    boolean hasPrivilegesOf(String role) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT pg_has_role(current_user, ?, 'USAGE')")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private int serverVersion() throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("SHOW server_version_num")) {
            rs.next();
            return Integer.parseInt(rs.getString(1));
        }
    }

    private boolean isSuperuser() throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    /**
     * Mints a LOGIN role in the group, valid until {@code validUntil}, and returns its password.
     * The password is hashed (SCRAM) on this side, so it never appears in the server's statement
     * log, only its verifier does.
     */
    String mintLogin(String group, String login, Instant validUntil) throws SQLException {
        String password = randomPassword();
        inTransaction(() -> {
            execute("CREATE ROLE " + Sql.ident(login) + " LOGIN INHERIT VALID UNTIL "
                    + Sql.literal(DateTimeFormatter.ISO_INSTANT.format(validUntil)) + " IN ROLE " + Sql.ident(group));
            connection.unwrap(PGConnection.class).alterUserPassword(login, password.toCharArray(), "scram-sha-256");
        });
        return password;
    }

    /** Moves a role's expiry earlier (its policy's TTL was lowered); sessions already open are not affected. */
    void expireAt(String login, Instant validUntil) throws SQLException {
        execute("ALTER ROLE " + Sql.ident(login) + " VALID UNTIL "
                + Sql.literal(DateTimeFormatter.ISO_INSTANT.format(validUntil)));
    }

    /**
     * Makes a login's own search_path the schemas given, in order, or removes the setting for an
     * empty list. Written only where it differs, so a steady apply writes nothing; sessions read it
     * when they start.
     */
    void searchPath(String login, List<String> schemas) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT (SELECT s FROM pg_db_role_setting d, unnest(d.setconfig) s WHERE d.setrole = r.oid"
                        + " AND d.setdatabase = 0 AND s LIKE 'search_path=%'),"
                        // How PostgreSQL writes the setting down: each name quoted only where it must be.
                        + " 'search_path=' || (SELECT string_agg(quote_ident(x), ', ' ORDER BY n) FROM unnest(?::text[])"
                        + " WITH ORDINALITY AS t(x, n)) FROM pg_roles r WHERE r.rolname = ?")) {
            ps.setArray(1, connection.createArrayOf("text", schemas.toArray()));
            ps.setString(2, login);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()
                        || java.util.Objects.equals(rs.getString(1), schemas.isEmpty() ? null : rs.getString(2))) {
                    return;
                }
            }
        }
        execute("ALTER ROLE " + Sql.ident(login)
                + (schemas.isEmpty()
                        ? " RESET search_path"
                        : " SET search_path TO "
                                + String.join(
                                        ", ", schemas.stream().map(Sql::ident).toList())));
    }

    /** The group's LOGIN roles that pgwarden minted, oldest first; none if the group is not pgwarden's. */
    List<LoginRole> logins(RoleNames names) throws SQLException {
        List<LoginRole> out = new ArrayList<>();
        if (!ours(names)) {
            return out;
        }
        try (PreparedStatement ps = connection.prepareStatement("SELECT r.rolname, r.rolvaliduntil FROM pg_roles r"
                + " JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid"
                + " WHERE g.rolname = ? AND r.rolcanlogin ORDER BY r.rolname")) {
            ps.setString(1, names.group());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    Timestamp until = rs.getTimestamp(2);
                    if (names.isLogin(name)) {
                        out.add(new LoginRole(name, until == null ? Instant.MAX : until.toInstant()));
                    }
                }
            }
        }
        return out;
    }

    /**
     * Ends a login role: its sessions are terminated (an expired credential must not keep working
     * through a connection opened before expiry), whatever it owns in this database is dropped,
     * and the role goes.
     */
    void dropLogin(String login) throws SQLException {
        if (!roleExists(login)) {
            return;
        }
        takePrivilegesOf(login);
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ? AND pid <> pg_backend_pid()")) {
            ps.setString(1, login);
            ps.executeQuery().close();
        }
        inTransaction(() -> {
            execute("DROP OWNED BY " + Sql.ident(login));
            execute("DROP ROLE " + Sql.ident(login));
        });
    }

    /**
     * Removes the group, its logins and every privilege it holds in this database. A role of the
     * group's name that pgwarden did not create is left alone (it was never this policy's), and
     * false says so.
     */
    boolean dropGroup(RoleNames names) throws SQLException {
        if (roleExists(names.group()) && !ours(names)) {
            return false;
        }
        for (LoginRole login : logins(names)) {
            dropLogin(login.name());
        }
        if (!roleExists(names.group())) {
            return true;
        }
        takePrivilegesOf(names.group());
        inTransaction(() -> {
            // DROP OWNED also revokes the group's privileges, default privileges included.
            execute("DROP OWNED BY " + Sql.ident(names.group()));
            execute("DROP ROLE " + Sql.ident(names.group()));
        });
        return true;
    }

    private boolean canLogin(String role) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT rolcanlogin FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Whether the group carries the comment pgwarden gave it when it created it. */
    boolean ours(RoleNames names) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, names.group());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && names.owner().equals(rs.getString(1));
            }
        }
    }

    boolean roleExists(String role) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    String schemaOwner(String schema) throws SQLException {
        try (PreparedStatement ps =
                connection.prepareStatement("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = ?")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Schemas where the group holds any privilege or default privilege. */
    private Set<String> grantedSchemas(String group) throws SQLException {
        Set<String> out = new LinkedHashSet<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT n.nspname FROM pg_namespace n, aclexplode(n.nspacl) a"
                        + " WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ?)"
                        + " UNION SELECT n.nspname FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace,"
                        + " aclexplode(d.defaclacl) a WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ?)")) {
            ps.setString(1, group);
            ps.setString(2, group);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    String currentUser() throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private void execute(String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }

    private void inTransaction(Transactions.Statement work) throws SQLException {
        Transactions.run(connection, () -> {
            work.run();
            return null;
        });
    }

    static String randomPassword() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
