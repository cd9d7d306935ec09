package dev.pgwarden.sidecar;

import static dev.pgwarden.testkit.Queries.one;
import static dev.pgwarden.testkit.Queries.sqlState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.sidecar.audit.JsonLinesAuditSink;
import dev.pgwarden.sidecar.identity.AcceptedSubject;
import dev.pgwarden.sidecar.identity.LocalIssuer;
import dev.pgwarden.sidecar.policy.live.PolicyDirectory;
import dev.pgwarden.testkit.TestPostgres;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar in a cluster: policy and credentials from a Secret volume that kubelet updates by
 * swapping its {@code ..data} link, applied to open sessions within seconds.
 */
class PolicyReloadTest {
    private static final AtomicInteger ROLES = new AtomicInteger();
    private static final String ROLE_PASSWORD = "r0tat3d-Passw0rd";
    private static final TestPostgres PG = TestPostgres.shared();

    @TempDir
    Path tmp;

    private KubeletVolume volume;
    private LocalIssuer issuer;
    private Gateway gateway;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, String> files = new LinkedHashMap<>();

    @BeforeAll
    static void table() throws SQLException {
        try (Connection c = PG.superuser(TestPostgres.DATABASE);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS reload_people (id int, email text)");
            s.execute("TRUNCATE reload_people");
            s.execute("INSERT INTO reload_people VALUES (1, 'ada@example.com')");
        }
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (issuer != null) {
            issuer.close();
        }
    }

    // ---------------------------------------------------------------- fixture

    /** A fresh LOGIN role of its own, so a test can expire it without touching the shared ones. */
    private static String newRole() throws SQLException {
        String role = "reload_role_" + ROLES.incrementAndGet() + "_"
                + ProcessHandle.current().pid();
        try (Connection c = PG.superuser(TestPostgres.DATABASE);
                Statement s = c.createStatement()) {
            s.execute("DROP ROLE IF EXISTS " + role);
            s.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + ROLE_PASSWORD + "'");
            s.execute("GRANT ALL ON SCHEMA public TO " + role);
            s.execute("GRANT ALL ON reload_people TO " + role);
        }
        return role;
    }

    private static String policy(String rules, String masking) {
        return """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: reload-test, namespace: agents, generation: 1}
        spec:
          database: {host: %s, port: %d, name: %s, sslMode: disable}
          subjects: [{serviceAccount: agents/claude}]
          access: {mode: ReadWrite}
          onUnparseable: Deny
        %s%s""".formatted(
                        PG.host(),
                        PG.port(),
                        TestPostgres.DATABASE,
                        rules == null ? "" : "  rules:\n" + rules,
                        masking == null ? "" : "  masking:\n" + masking);
    }

    private void publish(String policyYaml, String role, Instant expiresAt) {
        files.put(PolicyDirectory.POLICY, policyYaml);
        files.put(PolicyDirectory.USERNAME, role);
        files.put(PolicyDirectory.PASSWORD, ROLE_PASSWORD);
        files.put(PolicyDirectory.EXPIRES_AT, expiresAt.toString());
        volume.publish(files);
    }

    private void publishPolicy(String policyYaml) {
        files.put(PolicyDirectory.POLICY, policyYaml);
        volume.publish(files);
    }

    private void start(String policyYaml, String role) throws Exception {
        volume = new KubeletVolume(tmp.resolve("policy"));
        java.nio.file.Files.createDirectories(volume.dir());
        publish(policyYaml, role, Instant.now().plus(Duration.ofHours(1)));
        issuer = LocalIssuer.start(null, 0);
        PolicyDirectory dir = new PolicyDirectory(volume.dir());
        PolicyDirectory.Contents contents = dir.read();
        DatabaseAccessPolicy policy = dir.policy(contents);
        gateway = Gateway.start(
                ProxyConfig.builder()
                        .listen(new InetSocketAddress("127.0.0.1", 0))
                        .policy(policy)
                        .upstream(dir.upstream(policy.getSpec().database(), contents))
                        .audit(new JsonLinesAuditSink(OutputStream.nullOutputStream()))
                        .extraSubjects(List.of(AcceptedSubject.anyFrom(issuer.issuer(), LocalIssuer.AUDIENCE)))
                        .authenticationTimeout(Duration.ofSeconds(10))
                        .metrics(metrics)
                        .maskKeyFile(ProxyFixture.MASK_KEY)
                        .policyDir(volume.dir())
                        .build(),
                new InetSocketAddress("127.0.0.1", 0));
    }

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "agent");
        p.setProperty("password", issuer.mint("tester", Duration.ofMinutes(10)));
        p.setProperty("sslmode", "disable");
        return DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + gateway.proxy().address().getPort() + "/" + TestPostgres.DATABASE, p);
    }

    private int readyz() throws Exception {
        InetSocketAddress ops = gateway.ops().address();
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops.getPort() + "/readyz"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private double metric(String name) {
        var counter = metrics.find(name).counter();
        if (counter != null) {
            return counter.count();
        }
        return metrics.get(name).gauge().value();
    }

    /** Polls until the condition holds: reloads are asynchronous, so no fixed sleeps. */
    static void within(Duration limit, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit.toSeconds() + " s: " + what);
            }
            Thread.sleep(50);
        }
    }

    // ---------------------------------------------------------------- tests

    @Test
    void aRuleChangedToDenyRefusesTheNextStatementOfAnOpenConnection() throws Exception {
        start(policy(null, null), newRole());
        try (Connection c = connect()) {
            assertThat(one(c, "select email from reload_people")).isEqualTo("ada@example.com");
            assertThat(metric("pgwarden.policy.generation")).isEqualTo(1.0);

            publishPolicy(policy("""
              - name: no-reads
                statements: [SELECT]
                action: Deny
          """, null));

            within(
                    Duration.ofSeconds(5),
                    "the open connection is refused SELECT",
                    () -> "42501".equals(sqlState(c, "select email from reload_people")));
            assertThatThrownBy(() -> one(c, "select 1")).hasMessageContaining("no-reads");
            assertThat(metric("pgwarden.policy.generation")).isEqualTo(2.0);
            assertThat(metric("pgwarden.policy.reloads")).isEqualTo(1.0);
            try (Connection fresh = connect()) {
                assertThat(sqlState(fresh, "select 1")).isEqualTo("42501");
            }
        }
    }

    @Test
    void aMaskingRuleAddedMasksResultsOnAnOpenConnection() throws Exception {
        start(policy(null, null), newRole());
        try (Connection c = connect()) {
            assertThat(one(c, "select email from reload_people")).isEqualTo("ada@example.com");

            publishPolicy(policy(null, """
              - columns: [public.reload_people.email]
                strategy: redact
          """));

            within(Duration.ofSeconds(10), "the open connection gets the email masked", () -> {
                try {
                    return !"ada@example.com".equals(one(c, "select email from reload_people"));
                } catch (SQLException e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(one(c, "select email from reload_people")).doesNotContain("ada");
            // Extended protocol on the same connection, prepared after the change.
            try (var ps = c.prepareStatement("select email from reload_people where id = ?")) {
                ps.setInt(1, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getString(1)).doesNotContain("ada");
                }
            }
        }
    }

    @Test
    void rotatedCredentialsServeNewConnectionsWhileOpenOnesKeepTheirs() throws Exception {
        String first = newRole();
        String second = newRole();
        start(policy(null, null), first);
        try (Connection old = connect()) {
            assertThat(one(old, "select current_user")).isEqualTo(first);

            publish(policy(null, null), second, Instant.now().plus(Duration.ofHours(1)));
            try (Connection admin = PG.superuser(TestPostgres.DATABASE);
                    Statement s = admin.createStatement()) {
                // As the operator does once the new role is out: the old one can no longer log in.
                s.execute("ALTER ROLE " + first + " VALID UNTIL '2000-01-01'");
            }

            within(Duration.ofSeconds(5), "a new connection logs in as " + second, () -> {
                try (Connection fresh = connect()) {
                    return second.equals(one(fresh, "select current_user"));
                } catch (SQLException e) {
                    return false;
                }
            });
            assertThat(one(old, "select current_user")).isEqualTo(first);
            assertThat(one(old, "select email from reload_people")).isEqualTo("ada@example.com");
            assertThat(metric("pgwarden.policy.reloads")).isEqualTo(0.0); // same policy: nothing rebuilt
        }
    }

    @Test
    void aBrokenPolicyRefusesStatementsUntilAValidOneArrives() throws Exception {
        start(policy(null, null), newRole());
        assertThat(readyz()).isEqualTo(200);
        try (Connection c = connect()) {
            publishPolicy(policy("""
              - name: typo
                statements: [SELECT]
                action: Maybe
          """, null));

            within(
                    Duration.ofSeconds(5),
                    "the open connection is refused with 55000",
                    () -> "55000".equals(sqlState(c, "select 1")));
            assertThatThrownBy(() -> one(c, "select 1"))
                    .hasMessageContaining("the policy at " + volume.dir().resolve("policy.yaml") + " is invalid")
                    .hasMessageContaining("spec.rules[0].action");
            assertThat(readyz()).isEqualTo(503);
            assertThat(metric("pgwarden.policy.reload.failures")).isEqualTo(1.0);
            assertThatThrownBy(this::connect)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("55000"));

            publishPolicy(policy("""
              - name: no-deletes
                statements: [DELETE]
                action: Deny
          """, null));

            within(Duration.ofSeconds(5), "statements run again", () -> sqlState(c, "select 1") == null);
            assertThat(readyz()).isEqualTo(200);
            assertThat(sqlState(c, "delete from reload_people where id = 0")).isEqualTo("42501");
            try (Connection fresh = connect()) {
                assertThat(one(fresh, "select 1")).isEqualTo("1");
            }
        }
    }

    @Test
    void readinessFollowsTheCredentials() throws Exception {
        String role = newRole();
        start(policy(null, null), role);
        assertThat(readyz()).isEqualTo(200);

        publish(policy(null, null), role, Instant.now().minus(Duration.ofMinutes(1)));
        within(Duration.ofSeconds(5), "not ready with expired credentials", () -> status() == 503);

        publish(policy(null, null), role, Instant.now().plus(Duration.ofHours(1)));
        within(Duration.ofSeconds(5), "ready again", () -> status() == 200);

        files.remove(PolicyDirectory.PASSWORD);
        volume.publish(files);
        within(Duration.ofSeconds(5), "not ready without a password", () -> status() == 503);
        assertThatThrownBy(this::connect).hasMessageContaining("no database credentials");
    }

    @Test
    void aRestorationOfTheLastGoodPolicyNeedsNoRebuild() throws Exception {
        String valid = policy(null, null);
        start(valid, newRole());
        publishPolicy("not: [valid");
        within(Duration.ofSeconds(5), "not ready with a broken policy", () -> status() == 503);
        publishPolicy(valid);
        within(Duration.ofSeconds(5), "ready again", () -> status() == 200);
        assertThat(metric("pgwarden.policy.generation")).isEqualTo(1.0);
        try (Connection c = connect()) {
            assertThat(one(c, "select 1")).isEqualTo("1");
        }
    }

    private int status() {
        try {
            return readyz();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
