package dev.pgwarden.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgwarden.api.policy.PolicyLoader;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.SslMode;
import dev.pgwarden.sidecar.approval.ApprovalGate;
import dev.pgwarden.sidecar.audit.JsonLinesAuditSink;
import dev.pgwarden.sidecar.identity.AcceptedSubject;
import dev.pgwarden.sidecar.identity.LocalIssuer;
import dev.pgwarden.sidecar.upstream.Transport;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import dev.pgwarden.testkit.TestPostgres;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;

/**
 * A real proxy in front of the shared embedded PostgreSQL, with a real local token issuer and
 * the real JSON audit sink writing into memory so tests can read back what was audited.
 */
final class ProxyFixture implements AutoCloseable {
    static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: test-policy}
      spec:
        access: {mode: ReadWrite}
        rules:
          - name: destructive-ddl
            statements: [DROP]
            action: Deny
        onUnparseable: Deny
      """;

    /** One hashing key for every fixture of the run, so hashes agree between proxies. */
    static final java.nio.file.Path MASK_KEY = maskKey();

    private static java.nio.file.Path maskKey() {
        try {
            java.nio.file.Path f = java.nio.file.Files.createTempFile("pgwarden-mask", ".key");
            byte[] key = new byte[32];
            new java.security.SecureRandom().nextBytes(key);
            java.nio.file.Files.write(f, key);
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    final TestPostgres postgres = TestPostgres.shared();
    final LocalIssuer issuer;
    final ProxyServer proxy;
    private final String database;
    final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ByteArrayOutputStream auditBytes = new ByteArrayOutputStream();
    private final JsonLinesAuditSink audit;

    ProxyFixture() {
        this(upstream(TestPostgres.SCRAM_USER, TestPostgres.PASSWORD), 16 * 1024 * 1024, Duration.ofSeconds(10));
    }

    static UpstreamConfig upstream(String user, String password) {
        TestPostgres pg = TestPostgres.shared();
        return new UpstreamConfig(pg.host(), pg.port(), TestPostgres.DATABASE, user, password, SslMode.DISABLE, null);
    }

    ProxyFixture(UpstreamConfig upstream, int maxMessageSize, Duration authenticationTimeout) {
        this(upstream, maxMessageSize, authenticationTimeout, Transport.select("auto"));
    }

    ProxyFixture(UpstreamConfig upstream, int maxMessageSize, Duration authenticationTimeout, Transport transport) {
        this(upstream, maxMessageSize, authenticationTimeout, transport, POLICY, null);
    }

    /** A proxy applying {@code policyYaml}, with {@code approvals} as its gate (null: none). */
    ProxyFixture(String policyYaml, ApprovalGate approvals) {
        this(
                upstream(TestPostgres.SCRAM_USER, TestPostgres.PASSWORD),
                16 * 1024 * 1024,
                Duration.ofSeconds(10),
                Transport.select("auto"),
                policyYaml,
                approvals);
    }

    ProxyFixture(
            UpstreamConfig upstream,
            int maxMessageSize,
            Duration authenticationTimeout,
            Transport transport,
            String policyYaml,
            ApprovalGate approvals) {
        this(
                upstream,
                maxMessageSize,
                authenticationTimeout,
                transport,
                policyYaml,
                approvals,
                JsonLinesAuditSink::new);
    }

    /** A proxy whose audit sink is made by {@code audit} around the fixture's in-memory audit stream. */
    static ProxyFixture withAudit(
            String policyYaml, java.util.function.Function<java.io.OutputStream, JsonLinesAuditSink> audit) {
        return new ProxyFixture(
                upstream(TestPostgres.SCRAM_USER, TestPostgres.PASSWORD),
                16 * 1024 * 1024,
                Duration.ofSeconds(10),
                Transport.select("auto"),
                policyYaml,
                null,
                audit);
    }

    private ProxyFixture(
            UpstreamConfig upstream,
            int maxMessageSize,
            Duration authenticationTimeout,
            Transport transport,
            String policyYaml,
            ApprovalGate approvals,
            java.util.function.Function<java.io.OutputStream, JsonLinesAuditSink> auditSink) {
        this.database = upstream.database();
        this.audit = auditSink.apply(new SynchronizedStream(auditBytes));
        try {
            issuer = LocalIssuer.start(null, 0);
            DatabaseAccessPolicy policy = new PolicyLoader(PolicyValidator.Use.LOCAL).parse(policyYaml, "test");
            proxy = ProxyServer.start(ProxyConfig.builder()
                    .listen(new InetSocketAddress("127.0.0.1", 0))
                    .policy(policy)
                    .upstream(upstream)
                    .audit(audit)
                    .extraSubjects(List.of(AcceptedSubject.anyFrom(issuer.issuer(), LocalIssuer.AUDIENCE)))
                    .maxMessageSize(maxMessageSize)
                    .authenticationTimeout(authenticationTimeout)
                    .transport(transport)
                    .metrics(metrics)
                    .approvals(approvals)
                    .maskKeyFile(MASK_KEY)
                    .build());
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the proxy fixture", e);
        }
    }

    /** How many upstream connections the proxy has attempted: proof that a refused client opened none. */
    long upstreamAttempts() {
        var timer = metrics.find("pgwarden.upstream.connect").timer();
        return timer == null ? 0 : timer.count();
    }

    String token() {
        return issuer.mint("tester", Duration.ofMinutes(10));
    }

    int port() {
        return proxy.address().getPort();
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    Connection connect() throws SQLException {
        return connect(new Properties());
    }

    Connection connect(Properties extra) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "agent");
        p.setProperty("password", token());
        p.setProperty("sslmode", "disable");
        p.putAll(extra);
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    /** The audit lines of every event emitted so far, parsed. */
    List<JsonNode> auditEvents() {
        try {
            if (!audit.awaitWritten(Duration.ofSeconds(10))) {
                throw new AssertionError("audit events were not written within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        String text;
        synchronized (auditBytes) {
            text = auditBytes.toString(StandardCharsets.UTF_8);
        }
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                try {
                    out.add(json.readTree(line));
                } catch (IOException e) {
                    throw new UncheckedIOException("audit line is not JSON: " + line, e);
                }
            }
        }
        return out;
    }

    String auditText() {
        auditEvents();
        synchronized (auditBytes) {
            return auditBytes.toString(StandardCharsets.UTF_8);
        }
    }

    /** Waits (bounded) until an audit event matching the predicate is written. */
    JsonNode awaitEvent(Predicate<JsonNode> match) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode e : auditEvents()) {
                if (match.test(e)) {
                    return e;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no matching audit event; audit so far:\n" + auditText());
    }

    List<JsonNode> statements(String sqlContains) {
        return auditEvents().stream()
                .filter(e -> "statement".equals(e.path("event").asText()))
                .filter(e -> e.path("statement").asText().contains(sqlContains))
                .toList();
    }

    /**
     * Cancels the statement from another thread once the server runs it (a statement containing
     * {@code running} shows in pg_stat_activity), as an impatient user would.
     */
    static Thread cancelWhenRunning(java.sql.Statement statement, String running) {
        Thread t = new Thread(() -> {
            try {
                dev.pgwarden.testkit.ServerActivity.awaitRunning(running);
                statement.cancel();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        return t;
    }

    @Override
    public void close() {
        proxy.close();
        issuer.close();
        audit.close();
    }

    /** The audit writer thread and the test thread share the buffer. */
    private static final class SynchronizedStream extends java.io.OutputStream {
        private final ByteArrayOutputStream target;

        SynchronizedStream(ByteArrayOutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            synchronized (target) {
                target.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (target) {
                target.write(b, off, len);
            }
        }
    }
}
