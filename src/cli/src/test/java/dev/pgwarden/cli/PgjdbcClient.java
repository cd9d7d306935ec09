package dev.pgwarden.cli;

import static dev.pgwarden.cli.ClientMatrix.check;
import static dev.pgwarden.cli.ClientMatrix.expect;

import dev.pgwarden.cli.ClientMatrix.Report;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.copy.CopyManager;

/**
 * pgjdbc, the matrix's Java client, in this JVM: no password given, so it reads the one for the
 * host and port from the password file (the org.postgresql.pgpassfile property stands for
 * PGPASSFILE, which a test cannot set on its own process).
 */
final class PgjdbcClient {
    private final String url;
    private final Path pgpass;

    PgjdbcClient(LocalProcess local) {
        this.url = "jdbc:postgresql://" + local.host() + ":" + local.port() + "/" + local.database();
        this.pgpass = local.pgpassFile();
    }

    Connection connect() throws SQLException {
        String before = System.getProperty("org.postgresql.pgpassfile");
        System.setProperty("org.postgresql.pgpassfile", pgpass.toString());
        try {
            Properties p = new Properties();
            p.setProperty("user", "agent");
            return DriverManager.getConnection(url, p);
        } finally {
            if (before == null) {
                System.clearProperty("org.postgresql.pgpassfile");
            } else {
                System.setProperty("org.postgresql.pgpassfile", before);
            }
        }
    }

    void all(Report report) {
        check(report, "connect without password", () -> {
            try (Connection c = connect()) {
                return "token from the password file (" + c.getMetaData().getDriverVersion() + ")";
            }
        });
        check(report, "query, masked", () -> {
            try (Connection c = connect();
                    ResultSet rs = c.createStatement().executeQuery("select name, email from customers where id = 5")) {
                rs.next();
                expect(rs.getString(2).equals("****@example.nl"), "email came back as " + rs.getString(2));
                return rs.getString(1) + " " + rs.getString(2);
            }
        });
        check(report, "parameters", () -> {
            try (Connection c = connect();
                    PreparedStatement s = c.prepareStatement("select product from orders where id = ?")) {
                s.setInt(1, 2);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    expect(rs.getString(1).equals("laptop"), rs.getString(1));
                    return rs.getString(1);
                }
            }
        });
        check(report, "binary results", () -> {
            try (Connection plain = connect()) {
                // prepareThreshold -1: binary transfer from the first execution of a statement.
                plain.unwrap(PGConnection.class).setPrepareThreshold(-1);
                try (PreparedStatement s = plain.prepareStatement("select id, created_at from orders where id = ?")) {
                    s.setInt(1, 7);
                    try (ResultSet rs = s.executeQuery()) {
                        rs.next();
                        expect(rs.getInt(1) == 7 && rs.getTimestamp(2) != null, "row " + rs.getInt(1));
                        return "int4 and timestamptz in binary: " + rs.getInt(1) + " "
                                + rs.getTimestamp(2).toInstant();
                    }
                }
            }
        });
        check(report, "cursor", () -> {
            try (Connection c = connect()) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.setFetchSize(8);
                    int rows = 0;
                    try (ResultSet rs = s.executeQuery("select id from orders order by id")) {
                        while (rs.next()) {
                            rows++;
                        }
                    }
                    c.commit();
                    expect(rows == 50, rows + " rows");
                    return "50 rows fetched 8 at a time from a suspended portal";
                }
            }
        });
        check(report, "COPY out", () -> {
            try (Connection c = connect()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                long rows = new CopyManager(c.unwrap(org.postgresql.core.BaseConnection.class))
                        .copyOut("COPY orders TO STDOUT", out);
                expect(rows == 50, rows + " rows");
                return "50 rows";
            }
        });
        check(report, "COPY in", () -> {
            try (Connection c = connect();
                    Statement s = c.createStatement()) {
                s.execute("create temp table matrix_in (id int, note text)");
                long rows = new CopyManager(c.unwrap(org.postgresql.core.BaseConnection.class))
                        .copyIn(
                                "COPY matrix_in FROM STDIN",
                                new ByteArrayInputStream("1\tone\n2\ttwo\n".getBytes(StandardCharsets.UTF_8)));
                expect(rows == 2, rows + " rows");
                return "2 rows";
            }
        });
        check(report, "cancel", () -> {
            try (Connection c = connect();
                    Statement s = c.createStatement()) {
                long started = System.nanoTime();
                CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS).execute(() -> {
                    try {
                        s.cancel();
                    } catch (SQLException ignored) {
                        // the statement ended first; the check fails below
                    }
                });
                try {
                    s.execute("select pg_sleep(30)");
                } catch (SQLException e) {
                    expect("57014".equals(e.getSQLState()), e.getSQLState() + " " + e.getMessage());
                    return "57014 after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms";
                }
                throw new AssertionError("the statement was not cancelled");
            }
        });
        check(report, "LISTEN/NOTIFY", () -> {
            try (Connection listener = connect();
                    Connection sender = connect()) {
                listener.createStatement().execute("listen matrix");
                sender.createStatement().execute("notify matrix, 'hello'");
                PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(10_000);
                expect(got != null && got.length == 1 && got[0].getParameter().equals("hello"), "no notification");
                return "payload hello on another connection";
            }
        });
    }

    void reconnect(Report report) {
        check(report, "reconnect after token expiry", () -> {
            try (Connection c = connect();
                    ResultSet rs = c.createStatement().executeQuery("select 1")) {
                rs.next();
                return "a new connection took the fresh token from the file";
            }
        });
    }
}
