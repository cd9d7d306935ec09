package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.sidecar.approval.KubernetesApprovalGate;
import dev.pgwarden.sidecar.approval.TestGates;
import dev.pgwarden.testkit.TestPostgres;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * When no approval gate can be reached, a statement that needs approval is refused with 58000 and
 * audited as {@code approvalOutcome: unavailable}, and never runs: with no gate at all, with an API
 * server that does not answer, and with one that disappears while the statement waits (after
 * which, once it is back, approvals work again without a restart).
 */
@Timeout(120)
class ApprovalUnavailableTest {
    private static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: unavailable-gate}
      spec:
        access: {mode: ReadWrite}
        rules:
          - {name: destructive-ddl, statements: [DROP], action: RequireApproval}
        approval: {mode: Wait, timeout: 1m}
      """;
    private static final Path CRD = Path.of("..", "crds", "queryapprovals.pgwarden.dev-v1.yml");

    @BeforeEach
    void table() throws SQLException {
        try (Connection c = TestPostgres.shared().direct();
                Statement s = c.createStatement()) {
            s.execute("create table if not exists unavailable_gate_t (id int)");
        }
    }

    @Test
    void withNoGateTheStatementIsRefusedAndNotRun() throws Exception {
        try (ProxyFixture f = new ProxyFixture(POLICY, null)) {
            assertRefusedUnavailable(f);
        }
    }

    @Test
    void anApiServerThatDoesNotAnswerRefusesTheStatement() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        try (KubernetesClient unreachable = new KubernetesClientBuilder()
                        .withConfig(new ConfigBuilder(Config.empty())
                                .withMasterUrl("https://127.0.0.1:" + port)
                                .withRequestRetryBackoffLimit(0)
                                .withConnectionTimeout(2_000)
                                .withRequestTimeout(2_000)
                                .build())
                        .build();
                KubernetesApprovalGate gate = new KubernetesApprovalGate(unreachable, "agents", "claude-7d9f");
                ProxyFixture f = new ProxyFixture(POLICY, gate)) {
            assertRefusedUnavailable(f);
        }
    }

    @Test
    @Timeout(240)
    void anApiServerThatDisappearsWhileAStatementWaitsFailsItClosedAndApprovalsRecover() throws Exception {
        KubernetesMockServer api = apiServer(0);
        int port = api.getPort();
        try (KubernetesClient client = api.createClient();
                KubernetesApprovalGate gate =
                        TestGates.kubernetes(client, "agents", "claude-7d9f", Duration.ofSeconds(5));
                ProxyFixture f = new ProxyFixture(POLICY, gate);
                Connection c = f.connect();
                Statement s = c.createStatement()) {
            CompletableFuture<Boolean> held = run(s, "drop table unavailable_gate_t");
            awaitRequest(client, held);
            api.destroy();
            assertThatThrownBy(() -> held.get(60, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("58000");
                        assertThat(e.getMessage()).contains("the watch has been down for");
                    });
            assertTableExists();

            api = apiServer(port);
            // Until the watch is back (the informer reconnects with its own backoff), statements are
            // refused as before; then they are held again, without restarting anything.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            CompletableFuture<Boolean> again;
            QueryApproval qa;
            while (true) {
                again = run(s, "drop table unavailable_gate_t");
                qa = awaitRequestOrEnd(client, again);
                if (qa != null) {
                    break;
                }
                assertThatThrownBy(again::join)
                        .cause()
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("58000"));
                assertThat(System.nanoTime())
                        .as("approvals work again within 90 s of the API server's return")
                        .isLessThan(deadline);
                Thread.sleep(500); // a client's retry interval, not a wait for some state
            }
            client.resources(QueryApproval.class)
                    .inNamespace("agents")
                    .withName(qa.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"decision\":\"Approved\"}}");
            assertThat(again.get(60, TimeUnit.SECONDS)).isFalse();
            List<JsonNode> drops = f.statements("drop table unavailable_gate_t");
            assertThat(drops.get(0).path("approvalOutcome").asText()).isEqualTo("unavailable");
            assertThat(drops.subList(0, drops.size() - 1))
                    .allSatisfy(
                            e -> assertThat(e.path("approvalOutcome").asText()).isEqualTo("unavailable"));
            assertThat(drops.get(drops.size() - 1).path("approvalOutcome").asText())
                    .isEqualTo("approved");
            assertThat(drops.get(drops.size() - 1).path("outcome").asText()).isEqualTo("ok");
        } finally {
            api.destroy();
        }
    }

    private static KubernetesMockServer apiServer(int port) throws Exception {
        KubernetesMockServer api = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        api.init(InetAddress.getLoopbackAddress(), port);
        try (KubernetesClient admin = api.createClient();
                InputStream in = Files.newInputStream(CRD)) {
            admin.apiextensions().v1().customResourceDefinitions().load(in).create();
        }
        return api;
    }

    private static void assertRefusedUnavailable(ProxyFixture f) throws Exception {
        try (Connection c = f.connect();
                Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("drop table unavailable_gate_t"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("58000");
                        assertThat(e.getMessage()).contains("pgwarden: cannot request approval");
                    });
            try (ResultSet rs = s.executeQuery("select 'still usable'")) {
                assertThat(rs.next()).isTrue();
            }
        }
        assertTableExists();
        assertThat(f.statements("drop table unavailable_gate_t"))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.path("outcome").asText()).isEqualTo("refused");
                    assertThat(e.path("sqlstate").asText()).isEqualTo("58000");
                    assertThat(e.path("approvalOutcome").asText()).isEqualTo("unavailable");
                });
    }

    private static void assertTableExists() throws SQLException {
        try (Connection c = TestPostgres.shared().direct();
                ResultSet rs =
                        c.createStatement().executeQuery("select to_regclass('unavailable_gate_t') is not null")) {
            rs.next();
            assertThat(rs.getBoolean(1)).as("the statement never ran").isTrue();
        }
    }

    private static QueryApproval awaitRequest(KubernetesClient client, CompletableFuture<Boolean> statement)
            throws InterruptedException {
        QueryApproval qa = awaitRequestOrEnd(client, statement);
        if (qa == null) {
            throw new AssertionError("the statement ended before a request was seen: " + statement);
        }
        return qa;
    }

    /** The pending request, or null when the statement ended first. */
    private static QueryApproval awaitRequestOrEnd(KubernetesClient client, CompletableFuture<Boolean> statement)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            List<QueryApproval> pending =
                    client.resources(QueryApproval.class).inNamespace("agents").list().getItems().stream()
                            .filter(q -> q.getStatus() == null
                                    || q.getStatus().phase() == null
                                    || q.getStatus().phase().name().equals("Pending"))
                            .toList();
            if (!pending.isEmpty()) {
                return pending.get(0);
            }
            if (statement.isDone()) {
                return null;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no pending QueryApproval within 30 s");
    }

    private static CompletableFuture<Boolean> run(Statement s, String sql) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return s.execute(sql);
            } catch (SQLException e) {
                throw new CompletionException(e);
            }
        });
    }
}
