package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.sidecar.approval.KubernetesApprovalGate;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A statement held through the proxy, with pgjdbc, and decided the way a reviewer does in a
 * cluster: by patching the QueryApproval (here on the Fabric8 mock API server in CRUD mode).
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesApprovalProxyTest {
    private static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: k8s-approvals}
      spec:
        access: {mode: ReadWrite}
        rules:
          - {name: destructive-ddl, statements: [DROP], action: RequireApproval}
          - {name: big-deletes, statements: [DELETE], changesMoreThan: 2, action: RequireApproval}
        approval: {mode: Wait, timeout: 1m}
      """;

    KubernetesMockServer server;
    KubernetesClient client;
    private KubernetesApprovalGate gate;
    private ProxyFixture proxy;

    @BeforeEach
    void start() throws Exception {
        try (InputStream in = Files.newInputStream(Path.of("..", "crds", "queryapprovals.pgwarden.dev-v1.yml"))) {
            client.apiextensions().v1().customResourceDefinitions().load(in).create();
        }
        gate = new KubernetesApprovalGate(client, "agents", "claude-7d9f");
        proxy = new ProxyFixture(POLICY, gate);
        try (Connection c = proxy.postgres.direct();
                Statement s = c.createStatement()) {
            s.execute("create table if not exists k8s_held (id int)");
        }
    }

    @AfterEach
    void stop() {
        proxy.close();
        gate.close();
    }

    @Test
    void kubectlPatchApprovesTheHeldStatement() throws Exception {
        try (Connection c = proxy.connect();
                Statement s = c.createStatement()) {
            CompletableFuture<Boolean> drop = run(s, "drop table k8s_held");
            QueryApproval qa = awaitApproval();
            assertThat(qa.getSpec().statement()).isEqualTo("drop table k8s_held");
            assertThat(qa.getSpec().rule()).isEqualTo("destructive-ddl");
            assertThat(qa.getSpec().policy()).isEqualTo("k8s-approvals");
            assertThat(qa.getSpec().fingerprint()).startsWith("sha256:");
            assertThat(qa.getSpec().rowsChanged()).as("no trial ran").isNull();
            // What it would drop, as the catalog saw it: an empty table never analyzed.
            assertThat(qa.getSpec().estimates()).singleElement().satisfies(e -> {
                assertThat(e.target()).isEqualTo("table k8s_held");
                assertThat(e.relations()).isEqualTo(1);
                assertThat(e.bytes()).isNotNull();
                assertThat(e.note()).contains("never analyzed");
            });
            // What `kubectl -n agents patch queryapproval NAME --type merge -p '{"spec":{"decision":"Approved"}}'`
            // sends.
            client.resources(QueryApproval.class)
                    .inNamespace("agents")
                    .withName(qa.getMetadata().getName())
                    .patch(
                            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                                    io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                            "{\"spec\":{\"decision\":\"Approved\"}}");
            assertThat(drop.get(15, TimeUnit.SECONDS)).isFalse();
            SQLWarning notice = s.getWarnings();
            assertThat((Object) notice).isNotNull();
            assertThat(notice.getMessage())
                    .contains("kubectl -n agents patch queryapproval "
                            + qa.getMetadata().getName());
        }
        JsonNode event = proxy.awaitEvent(e -> e.path("statement").asText().equals("drop table k8s_held"));
        assertThat(event.path("outcome").asText()).isEqualTo("ok");
        assertThat(event.path("approvalOutcome").asText()).isEqualTo("approved");
    }

    @Test
    void aDeniedPatchFailsTheStatementWithTheComment() throws Exception {
        try (Connection c = proxy.connect();
                Statement s = c.createStatement()) {
            CompletableFuture<Boolean> drop = run(s, "drop table k8s_held");
            QueryApproval qa = awaitApproval();
            client.resources(QueryApproval.class)
                    .inNamespace("agents")
                    .withName(qa.getMetadata().getName())
                    .patch(
                            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                                    io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                            "{\"spec\":{\"decision\":\"Denied\",\"comment\":\"not today\"}}");
            assertThatThrownBy(() -> drop.get(15, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("42501");
                        assertThat(e.getMessage()).contains("not today");
                    });
        }
    }

    /** The request carries what the trial run saw, in both protocols, and a denial undoes the trial. */
    @Test
    void aRequestAfterATrialRunCarriesTheRowsItChanged() throws Exception {
        try (Connection d = proxy.postgres.direct();
                Statement s = d.createStatement()) {
            s.execute("drop table if exists k8s_rows; create table k8s_rows (id int);"
                    + " insert into k8s_rows select generate_series(1, 5)");
        }
        try (Connection c = proxy.connect();
                Statement s = c.createStatement();
                java.sql.PreparedStatement ps = c.prepareStatement("delete from k8s_rows where id > ?")) {
            ps.setInt(1, 1);
            for (Callable<Boolean> delete :
                    List.<Callable<Boolean>>of(() -> s.execute("delete from k8s_rows where id > 0"), ps::execute)) {
                CompletableFuture<Boolean> held = CompletableFuture.supplyAsync(() -> {
                    try {
                        return delete.call();
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
                QueryApproval qa = awaitApproval();
                assertThat(qa.getSpec().rule()).isEqualTo("big-deletes");
                assertThat(qa.getSpec().rowsChanged())
                        .isEqualTo(qa.getSpec().statement().contains("$1") ? 4L : 5L);
                client.resources(QueryApproval.class)
                        .inNamespace("agents")
                        .withName(qa.getMetadata().getName())
                        .patch(
                                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                                "{\"spec\":{\"decision\":\"Denied\",\"comment\":\"too many\"}}");
                // Held until the denial (simple protocol), or refused at once to be retried (a trial in the
                // extended protocol has run and cannot wait): either way it fails, and changes nothing.
                assertThatThrownBy(() -> held.get(15, TimeUnit.SECONDS))
                        .isInstanceOf(java.util.concurrent.ExecutionException.class);
                client.resources(QueryApproval.class).inNamespace("agents").delete();
                awaitNoApproval();
            }
        }
        try (Connection d = proxy.postgres.direct();
                Statement s = d.createStatement();
                java.sql.ResultSet rs = s.executeQuery("select count(*) from k8s_rows")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the trials were undone").isEqualTo(5);
        }
    }

    private void awaitNoApproval() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline
                && !client.resources(QueryApproval.class)
                        .inNamespace("agents")
                        .list()
                        .getItems()
                        .isEmpty()) {
            Thread.sleep(50);
        }
    }

    private QueryApproval awaitApproval() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            List<QueryApproval> items = client.resources(QueryApproval.class)
                    .inNamespace("agents")
                    .list()
                    .getItems();
            if (!items.isEmpty()) {
                return items.get(0);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no QueryApproval was created within 15 s");
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
