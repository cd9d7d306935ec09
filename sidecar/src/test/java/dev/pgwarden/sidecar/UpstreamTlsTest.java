package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.v1alpha1.SslMode;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import dev.pgwarden.testkit.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TLS towards a TLS-enabled PostgreSQL, with libpq's meaning of each sslMode. */
class UpstreamTlsTest {
    private static TestPostgres pg;

    @BeforeAll
    static void start() {
        pg = TestPostgres.shared();
    }

    private static ProxyFixture proxy(String host, SslMode mode, Path ca) {
        return new ProxyFixture(
                new UpstreamConfig(
                        host,
                        pg.port(),
                        TestPostgres.DATABASE,
                        TestPostgres.SCRAM_USER,
                        TestPostgres.PASSWORD,
                        mode,
                        ca),
                1 << 20,
                Duration.ofSeconds(10));
    }

    private static boolean upstreamUsesTls(ProxyFixture f) throws SQLException {
        try (Connection c = f.connect();
                ResultSet rs =
                        c.createStatement().executeQuery("select ssl from pg_stat_ssl where pid = pg_backend_pid()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    @Test
    void requireEncryptsWithoutCheckingTheCertificate() throws Exception {
        try (ProxyFixture f = proxy("127.0.0.1", SslMode.REQUIRE, null)) {
            assertThat(upstreamUsesTls(f)).isTrue();
        }
    }

    @Test
    void cancelWorksWhenTheUpstreamRequiresTls() throws Exception {
        try (ProxyFixture f = proxy("localhost", SslMode.VERIFY_FULL, pg.certificate());
                Connection c = f.connect();
                java.sql.Statement s = c.createStatement()) {
            Thread canceller = ProxyFixture.cancelWhenRunning(s, "pg_sleep(20)");
            assertThatThrownBy(() -> s.execute("select pg_sleep(20)"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"));
            canceller.join();
        }
    }

    @Test
    void disableStaysInClear() throws Exception {
        try (ProxyFixture f = proxy("127.0.0.1", SslMode.DISABLE, null)) {
            assertThat(upstreamUsesTls(f)).isFalse();
        }
    }

    @Test
    void verifyFullAcceptsTheRightServer() throws Exception {
        try (ProxyFixture f = proxy("localhost", SslMode.VERIFY_FULL, pg.certificate())) {
            assertThat(upstreamUsesTls(f)).isTrue();
        }
    }

    @Test
    void verifyFullRefusesAnUntrustedCertificate() {
        try (ProxyFixture f = proxy("localhost", SslMode.VERIFY_FULL, null)) {
            assertThatThrownBy(f::connect).isInstanceOfSatisfying(SQLException.class, e -> {
                assertThat(e.getSQLState()).isEqualTo("08001");
                assertThat(e.getMessage()).contains("TLS handshake with the database failed");
            });
        }
    }

    @Test
    void verifyFullRefusesAHostNameTheCertificateDoesNotName() {
        try (ProxyFixture f = proxy("127.0.0.1", SslMode.VERIFY_FULL, pg.certificate())) {
            assertThatThrownBy(f::connect).isInstanceOfSatisfying(SQLException.class, e -> {
                assertThat(e.getSQLState()).isEqualTo("08001");
                assertThat(e.getMessage()).contains("TLS handshake with the database failed");
            });
        }
    }
}
