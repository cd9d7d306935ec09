package dev.pgwarden.cli;

import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.database.AdminCredentials;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.Properties;

/**
 * The embedded PostgreSQL of {@code pgwarden local}: a demo schema with personal data to mask,
 * owned by the superuser, which is the admin login the agent's roles are minted from; once
 * seeded, SCRAM authentication for every role so nothing on this machine gets in without a password.
 */
final class DemoDatabase implements AutoCloseable {
    static final String DATABASE = "app";
    static final String ADMIN_ROLE = "postgres";

    private final EmbeddedPostgres postgres;
    private final String adminPassword;

    private DemoDatabase(EmbeddedPostgres postgres, String adminPassword) {
        this.postgres = postgres;
        this.adminPassword = adminPassword;
    }

    static DemoDatabase start(AccessMode mode) throws IOException, SQLException {
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setServerConfig("password_encryption", "scram-sha-256")
                .setOutputRedirector(ProcessBuilder.Redirect.DISCARD)
                .setErrorRedirector(ProcessBuilder.Redirect.DISCARD)
                .start();
        String adminPassword = randomPassword();
        try (Connection c = connect(pg, "postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + DATABASE);
        }
        try (Connection c = connect(pg, DATABASE);
                Statement s = c.createStatement()) {
            seed(s, mode);
            // Seeding used the trust login the embedded server starts with; close that door now.
            s.execute("ALTER ROLE " + ADMIN_ROLE + " PASSWORD '" + adminPassword + "'");
            Files.writeString(
                    Path.of(currentValue(s, "hba_file")),
                    "host all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n");
            s.execute("SELECT pg_reload_conf()");
        }
        return new DemoDatabase(pg, adminPassword);
    }

    private static String currentValue(Statement s, String setting) throws SQLException {
        try (var rs = s.executeQuery("SELECT current_setting('" + setting + "')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void seed(Statement s, AccessMode mode) throws SQLException {
        s.execute("""
        CREATE TABLE customers (
          id serial PRIMARY KEY,
          name text NOT NULL,
          email text NOT NULL,
          ssn text NOT NULL,
          phone text,
          created_at timestamptz NOT NULL DEFAULT now())""");
        s.execute("""
        CREATE TABLE orders (
          id serial PRIMARY KEY,
          customer_id int NOT NULL REFERENCES customers(id),
          product text NOT NULL,
          amount numeric(10,2) NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now())""");
        s.execute("""
        INSERT INTO customers (name, email, ssn, phone) VALUES
          ('Ada Lovelace', 'ada@example.com', '123-45-6789', '+44 20 7946 0018'),
          ('Grace Hopper', 'grace@example.org', '987-65-4321', '+1 202 555 0143'),
          ('Alan Turing', 'alan@example.net', '555-12-3456', '+44 161 496 0321'),
          ('Katherine Johnson', 'katherine@example.com', '222-33-4444', '+1 757 555 0199'),
          ('Edsger Dijkstra', 'edsger@example.nl', '333-44-5555', '+31 20 555 0123')""");
        s.execute("""
        INSERT INTO orders (customer_id, product, amount)
        SELECT 1 + (g % 5), (ARRAY['keyboard','monitor','laptop','mouse','desk'])[1 + g % 5], (g * 37 % 2000) / 10.0
        FROM generate_series(1, 50) g""");
        if (mode == AccessMode.ReadWrite) {
            // A sandbox: any role may make scratch tables here, as every role could before PostgreSQL 15.
            // The policy's roles get their table privileges from the policy, not from this.
            s.execute("GRANT CREATE ON SCHEMA public TO PUBLIC");
        }
    }

    /** As the superuser, over the trust login the embedded server starts with (closed after seeding). */
    private static Connection connect(EmbeddedPostgres pg, String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", ADMIN_ROLE);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/" + database, p);
    }

    private static String randomPassword() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    int port() {
        return postgres.getPort();
    }

    /** The superuser the agent's roles are minted from; only this process knows its password. */
    AdminCredentials admin() {
        return new AdminCredentials(ADMIN_ROLE, adminPassword);
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
