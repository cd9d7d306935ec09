package dev.pgwarden.operator.e2e;

import static dev.pgwarden.testkit.Queries.one;
import static dev.pgwarden.testkit.Queries.sqlState;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.operator.Await;
import dev.pgwarden.operator.ClusterFixture;
import dev.pgwarden.operator.MutableClock;
import dev.pgwarden.operator.policy.Conditions;
import dev.pgwarden.sidecar.Gateway;
import dev.pgwarden.sidecar.ProxyConfig;
import dev.pgwarden.sidecar.audit.JsonLinesAuditSink;
import dev.pgwarden.sidecar.identity.LocalIssuer;
import dev.pgwarden.sidecar.policy.live.PolicyDirectory;
import dev.pgwarden.testkit.TestPostgres;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator and the sidecar together, through the only thing they share: the operator
 * reconciles a policy into roles and a Secret; the Secret is laid out the way the kubelet mounts it;
 * a real sidecar serves an agent from it. Rotation and a policy edit travel the same way.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorToSidecarTest {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final String NS = "agents";

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path tmp;

    private final MutableClock clock = new MutableClock();
    private final TestPostgres postgres = TestPostgres.shared();
    private Operator operator;
    private Gateway sidecar;
    private LocalIssuer issuer;
    private String database;
    private Path mount;
    private int swaps;

    @BeforeEach
    void start() throws Exception {
        database = "e2e_db_" + DATABASES.incrementAndGet();
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE public.customers (id int, email text)");
            s.execute("INSERT INTO public.customers VALUES (1, 'ada@example.com')");
        }
        ClusterFixture.installCrds(client);
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("pg-admin")
                        .withNamespace(NS)
                        .addToLabels(PgwardenLabels.ADMIN_SECRET, "true")
                        .endMetadata()
                        .addToStringData("username", "postgres")
                        .addToStringData("password", "trust-on-loopback")
                        .build())
                .create();
        operator = ClusterFixture.startOperator(client, clock, Duration.ofHours(1));
        mount = tmp.resolve("policy");
        Files.createDirectories(mount);
        issuer = LocalIssuer.start(null, 0);
    }

    @AfterEach
    void stop() throws Exception {
        if (sidecar != null) {
            sidecar.close();
        }
        issuer.close();
        operator.stop();
    }

    @Test
    void anAgentWorksThroughTheSidecarWithWhatTheOperatorIssued() throws Exception {
        client.resource(policy("Allow")).create();
        Secret first = awaitSecret(null);
        mountSecret(first);
        startSidecar();

        try (Connection agent = connectAgent()) {
            assertThat(one(agent, "SELECT current_user"))
                    .as("the sidecar logs in as the minted role")
                    .isEqualTo(value(first, "username"));
            assertThat(one(agent, "SELECT email FROM customers"))
                    .as("masked as the policy says")
                    .isEqualTo("[redacted]");

            // Rotation: the operator mints a new role; the kubelet swaps the mount; new connections use it.
            clock.advance(Duration.ofMinutes(45));
            editPolicy("Allow", "r1");
            Secret second = awaitSecret(value(first, "username"));
            mountSecret(second);
            Await.until(
                    () -> {
                        try (Connection fresh = connectAgent()) {
                            return value(second, "username").equals(one(fresh, "SELECT current_user"));
                        } catch (SQLException e) {
                            return false;
                        }
                    },
                    "a new connection logs in as the rotated role");
            assertThat(one(agent, "SELECT current_user"))
                    .as("the open session keeps its connection")
                    .isEqualTo(value(first, "username"));

            // A policy edit that denies SELECT reaches the open session through the same mount.
            editPolicy("Deny", "r2");
            Secret third = awaitSecret(null, s -> value(s, "policy.yaml").contains("r2"));
            mountSecret(third);
            Await.until(
                    () -> "42501".equals(sqlState(agent, "SELECT id FROM customers")),
                    "the open session is refused by the edited policy");
        }
    }

    /**
     * README: a Kubernetes subject is a service account ({@code sub: system:serviceaccount:NS:NAME});
     * a token the cluster signed for any other identity is refused with 28000, saying why.
     */
    @Test
    void onlyThePolicysServiceAccountGetsThrough() throws Exception {
        client.resource(policy("Allow")).create();
        Secret issued = awaitSecret(null);
        mountSecret(issued);
        startSidecar();

        try (Connection agent = connect(serviceAccountToken(NS, "claude", "pgwarden"))) {
            assertThat(one(agent, "SELECT current_user")).isEqualTo(value(issued, "username"));
        }

        SQLException intruder = refused(serviceAccountToken(NS, "intruder", "pgwarden"));
        assertThat(intruder.getSQLState()).isEqualTo("28000");
        assertThat(intruder.getMessage())
                .contains("token is valid but matches no subject of this policy")
                .contains("subject system:serviceaccount:agents:intruder is not service account agents/claude");

        SQLException otherNamespace = refused(serviceAccountToken("other", "claude", "pgwarden"));
        assertThat(otherNamespace.getSQLState()).isEqualTo("28000");
        assertThat(otherNamespace.getMessage()).contains("subject system:serviceaccount:other:claude is not");

        SQLException localUser = refused(issuer.mint("claude", Duration.ofMinutes(5)));
        assertThat(localUser.getSQLState())
                .as("a token of the same issuer for a user that is no service account")
                .isEqualTo("28000");
        assertThat(localUser.getMessage()).contains("subject local:claude is not service account agents/claude");

        SQLException wrongAudience = refused(serviceAccountToken(NS, "claude", "https://kubernetes.default.svc"));
        assertThat(wrongAudience.getSQLState()).isEqualTo("28000");
        assertThat(wrongAudience.getMessage()).contains("does not include 'pgwarden'");
    }

    private DatabaseAccessPolicy policy(String selectAction) {
        return client.getKubernetesSerialization()
                .unmarshal("""
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: e2e, namespace: agents}
        spec:
          database: {host: 127.0.0.1, port: %d, name: %s, sslMode: disable, adminSecretRef: {name: pg-admin}}
          subjects: [{serviceAccount: agents/claude}]
          access: {mode: ReadOnly, credentialTTL: 1h}
          masking:
            - {columns: [public.customers.email], strategy: redact}
          rules:
            - {name: reads, statements: [SELECT], action: %s}
          onUnparseable: Deny
        """.formatted(postgres.port(), database, selectAction), DatabaseAccessPolicy.class);
    }

    /** A spec edit (new generation); {@code tag} names an extra rule so that each edit differs. */
    private void editPolicy(String selectAction, String tag) {
        String yaml = client.getKubernetesSerialization()
                .asYaml(policy(selectAction))
                .replace("rules:", "rules:\n  - {name: " + tag + ", statements: [TRUNCATE], action: Deny}");
        ClusterFixture.replaceSpec(
                client, client.getKubernetesSerialization().unmarshal(yaml, DatabaseAccessPolicy.class));
    }

    private void startSidecar() throws Exception {
        PolicyDirectory dir = new PolicyDirectory(mount);
        PolicyDirectory.Contents contents = dir.read();
        DatabaseAccessPolicy policy = dir.policy(contents);
        // The agent's token comes from a local issuer here instead of the cluster's service-account issuer.
        sidecar = Gateway.start(
                ProxyConfig.builder()
                        .listen(new InetSocketAddress("127.0.0.1", 0))
                        .policy(policy)
                        .upstream(dir.upstream(policy.getSpec().database(), contents))
                        .audit(new JsonLinesAuditSink(OutputStream.nullOutputStream()))
                        // The local issuer stands in for the cluster's service-account issuer: only the
                        // policy's subjects are accepted, as in a pod (no extra subjects).
                        .kubernetesIssuer(issuer.issuer())
                        .authenticationTimeout(Duration.ofSeconds(10))
                        .maskKeyFile(mount.resolve("mask.key"))
                        .policyDir(mount)
                        .build(),
                new InetSocketAddress("127.0.0.1", 0));
    }

    /** Connects with a token of the policy's service account, agents/claude. */
    private Connection connectAgent() throws SQLException {
        return connect(serviceAccountToken(NS, "claude", "pgwarden"));
    }

    private Connection connect(String token) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "agent");
        p.setProperty("password", token);
        p.setProperty("sslmode", "disable");
        return DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + sidecar.proxy().address().getPort() + "/" + database, p);
    }

    /** A projected service-account token as the kubelet mounts it, signed by the stand-in cluster issuer. */
    private String serviceAccountToken(String namespace, String serviceAccount, String audience) {
        Instant now = Instant.now();
        return issuer.sign(new JWTClaimsSet.Builder()
                .issuer(issuer.issuer())
                .subject("system:serviceaccount:" + namespace + ":" + serviceAccount)
                .audience(audience)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(10))))
                .claim(
                        "kubernetes.io",
                        Map.of(
                                "namespace", namespace,
                                "serviceaccount", Map.of("name", serviceAccount, "uid", "uid-" + serviceAccount),
                                "pod", Map.of("name", serviceAccount + "-7d9f", "uid", "pod-uid")))
                .build());
    }

    /** The SQLSTATE and message a connection attempt with {@code token} fails with. */
    private SQLException refused(String token) {
        try (Connection unexpected = connect(token)) {
            throw new AssertionError("the sidecar let in " + one(unexpected, "SELECT current_user"));
        } catch (SQLException e) {
            return e;
        }
    }

    /** Writes the Secret's keys as the kubelet does: a new folder, then an atomic swap of {@code ..data}. */
    private void mountSecret(Secret secret) throws IOException {
        Path version = mount.resolve("..v" + (++swaps));
        Files.createDirectories(version);
        for (Map.Entry<String, String> e : secret.getData().entrySet()) {
            Files.write(version.resolve(e.getKey()), Base64.getDecoder().decode(e.getValue()));
            Path link = mount.resolve(e.getKey());
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, Path.of("..data").resolve(e.getKey()));
            }
        }
        Path next = mount.resolve("..data_tmp");
        Files.deleteIfExists(next);
        Files.createSymbolicLink(next, version.getFileName());
        Files.move(next, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Secret awaitSecret(String notUser) throws InterruptedException {
        return awaitSecret(notUser, s -> true);
    }

    /** The Secret once the policy is Ready again and the Secret no longer names {@code notUser}. */
    private Secret awaitSecret(String notUser, java.util.function.Predicate<Secret> also) throws InterruptedException {
        Await.until(
                () -> {
                    DatabaseAccessPolicy p = client.resources(DatabaseAccessPolicy.class)
                            .inNamespace(NS)
                            .withName("e2e")
                            .get();
                    return p != null
                            && p.getStatus() != null
                            && p.getStatus().conditions() != null
                            && "True"
                                    .equals(Conditions.find(p.getStatus().conditions(), "Ready")
                                            .getStatus());
                },
                "the policy is Ready");
        return Await.value(
                () -> client.secrets().inNamespace(NS).withName("pgwarden-e2e").get(),
                s -> !value(s, "username").equals(notUser) && also.test(s),
                "the operator writes the expected Secret");
    }

    private static String value(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), java.nio.charset.StandardCharsets.UTF_8);
    }
}
