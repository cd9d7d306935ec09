package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.v1alpha1.SslMode;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database restarts under open sessions (a failover, an upgrade): clients get a clear error
 * with a connection-class SQLSTATE, connecting while it is down fails the same way, and once it
 * is back new sessions work through the same proxy, without restarting it. A PostgreSQL of its
 * own, so the shared one keeps serving the other tests.
 */
@Timeout(300)
class UpstreamRestartTest {
    @TempDir
    Path data;

    private EmbeddedPostgres start(int port) throws Exception {
        return EmbeddedPostgres.builder()
                .setDataDirectory(data.resolve("pg"))
                .setCleanDataDirectory(false)
                .setPort(port)
                .start();
    }

    @Test
    void sessionsGetAClearErrorAndNewSessionsWorkOnceTheDatabaseIsBack() throws Exception {
        EmbeddedPostgres pg = start(0);
        int port = pg.getPort();
        UpstreamConfig upstream =
                new UpstreamConfig("127.0.0.1", port, "postgres", "postgres", null, SslMode.DISABLE, null);
        try (ProxyFixture f = new ProxyFixture(upstream, 1 << 20, Duration.ofSeconds(10));
                Connection c = f.connect();
                Statement s = c.createStatement()) {
            assertThat(value(s)).isEqualTo("before the restart");

            pg.close(); // a fast shutdown: PostgreSQL ends every backend
            assertThatThrownBy(() -> value(s)).isInstanceOfSatisfying(SQLException.class, e -> {
                assertThat(e.getSQLState()).as(e.getMessage()).isIn("57P01", "08006");
                assertThat(e.getMessage())
                        .containsAnyOf(
                                "terminating connection",
                                "the database connection was closed",
                                "An I/O error occurred");
            });
            assertThatThrownBy(f::connect)
                    .as("connecting while the database is down")
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).startsWith("08"));

            pg = start(port);
            try (Connection again = f.connect();
                    Statement s2 = again.createStatement()) {
                assertThat(value(s2)).isEqualTo("before the restart");
            }
            assertThat(f.auditEvents()).anySatisfy(e -> {
                assertThat(e.path("event").asText()).isEqualTo("session_end");
                assertThat(e.path("reason").asText()).isEqualTo("database closed the connection");
            });
        } finally {
            pg.close();
        }
    }

    private static String value(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("select 'before the restart'")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
