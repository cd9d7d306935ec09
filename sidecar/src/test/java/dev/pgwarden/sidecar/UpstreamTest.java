package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.v1alpha1.SslMode;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import dev.pgwarden.testkit.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The proxy authenticates upstream with each method PostgreSQL offers, and fails clearly. */
class UpstreamTest {
    private static ProxyFixture proxyAs(UpstreamConfig upstream) {
        return new ProxyFixture(upstream, 1024 * 1024, Duration.ofSeconds(10));
    }

    @ParameterizedTest
    @ValueSource(strings = {TestPostgres.SCRAM_USER, TestPostgres.MD5_USER, TestPostgres.TRUST_USER})
    void authenticatesWithEachMethod(String role) throws Exception {
        try (ProxyFixture f = proxyAs(ProxyFixture.upstream(role, TestPostgres.PASSWORD));
                Connection c = f.connect();
                ResultSet rs = c.createStatement().executeQuery("select current_user")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(role);
        }
        try (Connection admin = TestPostgres.shared().superuser("postgres");
                ResultSet rs = admin.createStatement()
                        .executeQuery("select rolname from pg_authid where rolname = '" + role
                                + "' and (rolpassword is null or rolpassword like "
                                + (role.equals(TestPostgres.MD5_USER) ? "'md5%'" : "'SCRAM-SHA-256%'") + ")")) {
            assertThat(rs.next())
                    .as("the role really uses the method under test")
                    .isTrue();
        }
    }

    @Test
    void wrongUpstreamPasswordIsReportedToTheAgent() {
        try (ProxyFixture f = proxyAs(ProxyFixture.upstream(TestPostgres.SCRAM_USER, "wrong"))) {
            assertThatThrownBy(f::connect).isInstanceOfSatisfying(SQLException.class, e -> {
                assertThat(e.getSQLState()).isEqualTo("08001");
                assertThat(e.getMessage())
                        .contains("the database refused the connection")
                        .contains("password authentication failed")
                        .doesNotContain("wrong");
            });
        }
    }

    @Test
    void unreachableDatabase() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        UpstreamConfig nowhere =
                new UpstreamConfig("127.0.0.1", closedPort, TestPostgres.DATABASE, "x", "y", SslMode.DISABLE, null);
        try (ProxyFixture f = proxyAs(nowhere)) {
            assertThatThrownBy(f::connect).isInstanceOfSatisfying(SQLException.class, e -> {
                assertThat(e.getSQLState()).isEqualTo("08001");
                assertThat(e.getMessage()).contains("cannot reach the database at 127.0.0.1:" + closedPort);
            });
        }
    }

    @Test
    void requireTlsAgainstAServerWithoutIt() throws Exception {
        // A second, plain server: the shared one always offers TLS.
        try (EmbeddedPostgres plain =
                EmbeddedPostgres.builder().setServerConfig("ssl", "off").start()) {
            UpstreamConfig tls = new UpstreamConfig(
                    "127.0.0.1", plain.getPort(), "postgres", "postgres", null, SslMode.REQUIRE, null);
            try (ProxyFixture f = new ProxyFixture(tls, 1024 * 1024, Duration.ofSeconds(10))) {
                assertThatThrownBy(f::connect).isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("08001");
                    assertThat(e.getMessage()).contains("does not accept TLS but the policy's sslMode is REQUIRE");
                });
            }
        }
    }

    @Test
    void backendTerminatedMidSession() throws Exception {
        try (ProxyFixture f = new ProxyFixture();
                Connection c = f.connect();
                Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("select pg_backend_pid()");
            rs.next();
            int pid = rs.getInt(1);
            try (Connection admin = TestPostgres.shared().superuser(TestPostgres.DATABASE)) {
                admin.createStatement().execute("select pg_terminate_backend(" + pid + ")");
            }
            assertThatThrownBy(() -> s.executeQuery("select 1"))
                    .isInstanceOfSatisfying(
                            SQLException.class,
                            e -> assertThat(e.getSQLState()).as(e.getMessage()).isIn("57P01", "08006", "08003"));
            try (Connection again = f.connect();
                    ResultSet ok = again.createStatement().executeQuery("select 'next session'")) {
                ok.next();
                assertThat(ok.getString(1)).isEqualTo("next session");
            }
            f.awaitEvent(e -> "session_end".equals(e.path("event").asText())
                    && "database closed the connection".equals(e.path("reason").asText()));
        }
    }
}
