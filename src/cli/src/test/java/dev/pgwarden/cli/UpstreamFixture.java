package dev.pgwarden.cli;

import dev.pgwarden.api.policy.PolicyLoader;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.SslMode;
import dev.pgwarden.database.RoleNames;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import dev.pgwarden.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A database that is not pgwarden's, as {@code --upstream} finds one: in the shared test
 * PostgreSQL, owned by an admin role that is no superuser (CREATEROLE, and the owner of the
 * tables it grants on), with customers whose email and ssn the policy masks, orders it does not,
 * and a schema the policy does not name.
 */
final class UpstreamFixture {
    static final String ADMIN_PASSWORD = "Adm1n-local-upstream";
    static final String POLICY = "upstream-demo";
    static final List<String> EMAILS = List.of("ada.secret@example.com", "grace.hidden@example.org");
    static final List<String> SSNS = List.of("123-45-6789", "987-65-4321");

    final String database;
    final String admin;

    /** The state directory of the runs whose roles the test looks for (see {@link LocalRoles#namespace}). */
    final java.nio.file.Path state;

    /**
     * @param name unique per test class: the database and the admin role are named after it
     * @param state the state directory of the test's runs
     */
    UpstreamFixture(String name, java.nio.file.Path state) throws SQLException {
        this.state = state;
        this.database = name;
        this.admin = name + "_admin";
        TestPostgres pg = TestPostgres.shared();
        try (Connection c = pg.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            s.execute("DROP ROLE IF EXISTS " + admin);
            s.execute("CREATE ROLE " + admin + " LOGIN CREATEROLE PASSWORD '" + ADMIN_PASSWORD + "'");
            s.execute("CREATE DATABASE " + database + " OWNER " + admin);
        }
        try (Connection c = connect(admin, ADMIN_PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, ssn text)");
            s.execute("INSERT INTO customers VALUES (1, 'Ada', '" + EMAILS.get(0) + "', '" + SSNS.get(0) + "'),"
                    + " (2, 'Grace', '" + EMAILS.get(1) + "', '" + SSNS.get(1) + "')");
            s.execute("CREATE TABLE orders (id int PRIMARY KEY, customer_id int, product text)");
            s.execute("INSERT INTO orders VALUES (1, 1, 'keyboard'), (2, 2, 'monitor')");
            s.execute("CREATE SCHEMA internal");
            s.execute("CREATE TABLE internal.salaries (name text, amount int)");
            s.execute("INSERT INTO internal.salaries VALUES ('Ada', 100)");
        }
    }

    static String policyYaml() {
        return String.join(
                "\n",
                "apiVersion: pgwarden.dev/v1alpha1",
                "kind: DatabaseAccessPolicy",
                "metadata: {name: " + POLICY + "}",
                "spec:",
                "  access: {mode: ReadOnly, schemas: [public], credentialTTL: 1h}",
                "  masking:",
                "    - columns: [public.customers.email]",
                "      strategy: partial",
                "    - columns: [public.customers.ssn]",
                "      strategy: hash",
                "  defaultAction: Allow",
                "");
    }

    static DatabaseAccessPolicy policy() throws Exception {
        return new PolicyLoader(PolicyValidator.Use.LOCAL).parse(policyYaml(), "test policy");
    }

    /** The roles of the policy as a run with {@link #state} as its state directory names them. */
    RoleNames names() {
        return RoleNames.of(LocalRoles.namespace(state), POLICY);
    }

    UpstreamConfig adminLogin() {
        TestPostgres pg = TestPostgres.shared();
        return new UpstreamConfig(pg.host(), pg.port(), database, admin, ADMIN_PASSWORD, SslMode.DISABLE, null);
    }

    String adminUrl() {
        TestPostgres pg = TestPostgres.shared();
        return "postgresql://" + admin + ":" + ADMIN_PASSWORD + "@" + pg.host() + ":" + pg.port() + "/" + database
                + "?sslmode=disable";
    }

    /** A direct connection to the database, bypassing any proxy. */
    Connection connect(String user, String password) throws SQLException {
        TestPostgres pg = TestPostgres.shared();
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        return DriverManager.getConnection("jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + database, p);
    }

    /** Every role of the policy's group left in the server, the group included. */
    List<String> policyRoles() throws SQLException {
        List<String> roles = new ArrayList<>();
        try (Connection c = TestPostgres.shared().superuser(database);
                ResultSet rs = c.createStatement()
                        .executeQuery("SELECT rolname FROM pg_roles WHERE rolname LIKE 'pgw\\_%'" + " ORDER BY 1")) {
            while (rs.next()) {
                if (rs.getString(1).startsWith(names().group())) {
                    roles.add(rs.getString(1));
                }
            }
        }
        return roles;
    }

    /** Schemas the group's masking made (views, functions, key): their names start with the group's. */
    List<String> maskingSchemas() throws SQLException {
        List<String> schemas = new ArrayList<>();
        try (Connection c = TestPostgres.shared().superuser(database);
                ResultSet rs = c.createStatement().executeQuery("SELECT nspname FROM pg_namespace")) {
            while (rs.next()) {
                if (rs.getString(1).startsWith(names().group())) {
                    schemas.add(rs.getString(1));
                }
            }
        }
        return schemas;
    }
}
