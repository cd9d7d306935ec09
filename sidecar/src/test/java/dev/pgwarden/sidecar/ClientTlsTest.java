package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.policy.PolicyLoader;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.sidecar.audit.JsonLinesAuditSink;
import dev.pgwarden.sidecar.identity.AcceptedSubject;
import dev.pgwarden.sidecar.identity.LocalIssuer;
import dev.pgwarden.testkit.ServerCertificate;
import dev.pgwarden.testkit.TestPostgres;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With a certificate configured, the proxy answers SSLRequest with 'S' and speaks TLS. */
class ClientTlsTest {
    @TempDir
    static Path dir;

    private static LocalIssuer issuer;
    private static ProxyServer proxy;
    private static JsonLinesAuditSink audit;

    @BeforeAll
    static void start() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        ServerCertificate.selfSigned("localhost").writePem(cert, key);
        issuer = LocalIssuer.start(null, 0);
        audit = new JsonLinesAuditSink(OutputStream.nullOutputStream());
        proxy = ProxyServer.start(ProxyConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .policy(new PolicyLoader(PolicyValidator.Use.LOCAL).parse(ProxyFixture.POLICY, "test"))
                .upstream(ProxyFixture.upstream(TestPostgres.SCRAM_USER, TestPostgres.PASSWORD))
                .audit(audit)
                .extraSubjects(List.of(AcceptedSubject.anyFrom(issuer.issuer(), LocalIssuer.AUDIENCE)))
                .tlsCertificate(cert)
                .tlsKey(key)
                .maxMessageSize(1 << 20)
                .authenticationTimeout(Duration.ofSeconds(10))
                .build());
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
            issuer.close();
            audit.close();
        }
    }

    @Test
    void sslRequestIsAccepted() throws Exception {
        try (RawClient c = new RawClient(proxy.address().getPort())) {
            c.send(ByteBuffer.allocate(8).putInt(8).putInt(80877103).array());
            assertThat(c.readByte()).isEqualTo('S');
        }
    }

    @Test
    void pgjdbcConnectsOverTls() throws Exception {
        Properties p = new Properties();
        p.setProperty("user", "agent");
        p.setProperty("password", issuer.mint("tls-tester", Duration.ofMinutes(5)));
        p.setProperty("sslmode", "require");
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + proxy.address().getPort() + "/app", p);
                ResultSet rs = c.createStatement().executeQuery("select 'over tls'")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("over tls");
        }
    }
}
