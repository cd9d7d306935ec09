package dev.pgwarden.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * One real PostgreSQL per test JVM, configured like a production server: password roles
 * authenticate with SCRAM-SHA-256, one role with md5 and one with trust so that every upstream
 * authentication path of the proxy is exercised. Only the superuser (used by fixtures) is trusted.
 */
public final class TestPostgres {
    public static final String DATABASE = "app";
    public static final String SCRAM_USER = "agent_scram";
    public static final String MD5_USER = "agent_md5";
    public static final String TRUST_USER = "agent_trust";
    public static final String PASSWORD = "s3cret-Passw0rd";

    private static TestPostgres shared;

    private final EmbeddedPostgres postgres;
    private final Path certificate;

    private TestPostgres(EmbeddedPostgres postgres, Path certificate) {
        this.postgres = postgres;
        this.certificate = certificate;
    }

    /** The JVM-wide instance, started on first use and stopped at exit. */
    public static synchronized TestPostgres shared() {
        if (shared == null) {
            try {
                ServerCertificate tls = ServerCertificate.selfSigned("localhost");
                Path ca = Files.createTempDirectory("pgwarden-test-tls").resolve("server.crt");
                Files.writeString(ca, tls.certificatePem());
                EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                        .setServerConfig("password_encryption", "scram-sha-256")
                        .setServerConfig("max_connections", "600") // ManySessionsTest holds hundreds at once
                        .setServerConfig("fsync", "off")
                        .setServerConfig("synchronous_commit", "off")
                        .setServerConfig("ssl", "on")
                        .setDataDirectoryCustomizer(dir -> {
                            writeHba(dir.toPath());
                            tls.install(dir.toPath());
                        });
                shared = new TestPostgres(builder.start(), ca);
                shared.seedRoles();
            } catch (IOException e) {
                throw new UncheckedIOException("could not start embedded PostgreSQL", e);
            } catch (SQLException e) {
                throw new IllegalStateException("could not seed embedded PostgreSQL", e);
            }
        }
        return shared;
    }

    private static void writeHba(Path dataDir) {
        String hba = String.join(
                "\n",
                "local all all trust",
                "host all postgres 127.0.0.1/32 trust",
                "host all postgres ::1/128 trust",
                "host all " + TRUST_USER + " 127.0.0.1/32 trust",
                "host all " + MD5_USER + " 127.0.0.1/32 md5",
                "host all all 127.0.0.1/32 scram-sha-256",
                "host all all ::1/128 scram-sha-256",
                "");
        try {
            Files.writeString(dataDir.resolve("pg_hba.conf"), hba);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void seedRoles() throws SQLException {
        try (Connection c = superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + DATABASE);
            s.execute("CREATE ROLE " + SCRAM_USER + " LOGIN PASSWORD '" + PASSWORD + "'");
            s.execute("SET password_encryption = 'md5'");
            s.execute("CREATE ROLE " + MD5_USER + " LOGIN PASSWORD '" + PASSWORD + "'");
            s.execute("RESET password_encryption");
            s.execute("CREATE ROLE " + TRUST_USER + " LOGIN");
        }
        try (Connection c = superuser(DATABASE);
                Statement s = c.createStatement()) {
            for (String role : new String[] {SCRAM_USER, MD5_USER, TRUST_USER}) {
                s.execute("GRANT ALL ON SCHEMA public TO " + role);
                s.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO " + role);
            }
        }
    }

    /**
     * The server's self-signed certificate as a PEM file (subject alternative name DNS:localhost
     * only): the CA file of a client that verifies the server. The server always offers TLS.
     */
    public Path certificate() {
        return certificate;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return postgres.getPort();
    }

    /** A direct superuser connection, for fixtures and for checking what really reached the server. */
    public Connection superuser(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        return DriverManager.getConnection("jdbc:postgresql://" + host() + ":" + port() + "/" + database, p);
    }

    /** A direct connection as the SCRAM role, bypassing the proxy: the baseline a proxied client is compared with. */
    public Connection direct() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", SCRAM_USER);
        p.setProperty("password", PASSWORD);
        return DriverManager.getConnection("jdbc:postgresql://" + host() + ":" + port() + "/" + DATABASE, p);
    }
}
