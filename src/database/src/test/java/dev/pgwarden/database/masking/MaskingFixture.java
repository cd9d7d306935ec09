package dev.pgwarden.database.masking;

import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.testkit.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * A database of its own in the shared test server, with the roles masking deals with: an admin
 * that is not a superuser (it owns the application's tables and creates the masking schemas), the
 * policy's NOLOGIN group, and a LOGIN agent in the group, as the operator mints it.
 */
final class MaskingFixture {
    static final String PASSWORD = "Fixture-Passw0rd";
    /** The masking secret of the tests' policy (the mask.key file's bytes). */
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef-test-secret".getBytes(StandardCharsets.UTF_8);

    static final String POLICY = "agents/analytics";

    final String database;
    final String admin;
    final String group;
    final String agent;
    private final TestPostgres postgres = TestPostgres.shared();

    /** @param name a prefix for the database and roles, unique per test class */
    MaskingFixture(String name) throws SQLException {
        database = name;
        admin = name + "_admin";
        group = "pgw_" + name + "_group";
        agent = group + "_login1";
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            for (String role : List.of(agent, group, admin)) {
                s.execute("DROP ROLE IF EXISTS " + role);
            }
            s.execute("CREATE ROLE " + admin + " LOGIN CREATEROLE PASSWORD '" + PASSWORD + "'");
            s.execute("CREATE ROLE " + group + " NOLOGIN");
            s.execute("CREATE ROLE " + agent + " LOGIN PASSWORD '" + PASSWORD + "' IN ROLE " + group);
            s.execute("CREATE DATABASE " + database);
            s.execute("GRANT CREATE, CONNECT ON DATABASE " + database + " TO " + admin);
        }
        try (Connection c = superuser();
                Statement s = c.createStatement()) {
            s.execute("ALTER SCHEMA public OWNER TO " + admin);
            // A schema the agent may create in, for the functions and views it tries bypasses with.
            s.execute("CREATE SCHEMA scratch AUTHORIZATION " + admin);
            s.execute("GRANT USAGE, CREATE ON SCHEMA scratch TO " + group);
        }
    }

    Connection superuser() throws SQLException {
        return postgres.superuser(database);
    }

    Connection admin() throws SQLException {
        return connect(admin);
    }

    /** The agent's session with the search_path masking returned, as the caller sets it. */
    Connection agent(MaskingReport report) throws SQLException {
        Connection c = connect(agent);
        sql(c, "SET search_path TO " + report.searchPathSetting());
        return c;
    }

    Connection connect(String role) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", role);
        p.setProperty("password", PASSWORD);
        return DriverManager.getConnection(
                "jdbc:postgresql://" + postgres.host() + ":" + postgres.port() + "/" + database, p);
    }

    /** As the admin: statements that set up the application's tables. */
    void admin(String... statements) throws SQLException {
        try (Connection c = admin()) {
            sql(c, statements);
        }
    }

    static void sql(Connection c, String... statements) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    MaskingPolicy policy(AccessMode mode, ColumnMask... columns) {
        return new MaskingPolicy(
                group, mode, List.of("public"), Arrays.asList(columns), Optional.of(MaskKey.derive(SECRET, POLICY)));
    }

    MaskingReport apply(MaskingPolicy policy) throws SQLException {
        try (Connection c = admin()) {
            return MaskingViews.apply(c, policy);
        }
    }

    static ColumnMask mask(String table, String column, MaskStrategy strategy) {
        return new ColumnMask("public", table, column, strategy);
    }

    /** Rules masking every named column of a table with one strategy. */
    static List<ColumnMask> masks(String table, MaskStrategy strategy, String... columns) {
        List<ColumnMask> out = new ArrayList<>();
        for (String column : columns) {
            out.add(mask(table, column, strategy));
        }
        return out;
    }
}
