package dev.pgwarden.sidecar.approval;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.v1alpha1.ApprovalPhase;
import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import dev.pgwarden.api.v1alpha1.Decision;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.sidecar.approval.ApprovalGate.PendingApproval;
import dev.pgwarden.sidecar.approval.ApprovalOutcome.State;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against the Fabric8 mock API server in CRUD mode, with the real CRD loaded. */
@EnableKubernetesMockClient(crud = true)
class KubernetesApprovalGateTest {
    private static final String NS = "agents";
    private static final String POD = "claude-7d9f";
    private static final Path CRD = Path.of("..", "crds", "queryapprovals.pgwarden.dev-v1.yml");

    KubernetesMockServer server;
    KubernetesClient client;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private KubernetesApprovalGate gate;

    @BeforeEach
    void setUp() throws Exception {
        loadCrd(client);
        gate = track(new KubernetesApprovalGate(client, NS, POD));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
    }

    @Test
    void submitCreatesRequestWithSpecLabelsAndPendingPhase() throws Exception {
        PendingApproval pending =
                gate.submit(request("key-1", Duration.ofMinutes(10))).get(10, SECONDS);

        assertThat(pending.name()).matches("pgw-[a-z0-9]{12}");
        QueryApproval qa = approval(pending.name()).get();
        assertThat(qa.getSpec().policy()).isEqualTo("analytics-agent");
        assertThat(qa.getSpec().rule()).isEqualTo("destructive-ddl");
        assertThat(qa.getSpec().statement()).isEqualTo("DELETE FROM events WHERE id = $1");
        assertThat(qa.getSpec().parameters()).containsExactly("42");
        assertThat(qa.getSpec().session()).isEqualTo("claude-7d9f/3f2a");
        assertThat(qa.getSpec().fingerprint()).isEqualTo("sha256:abc");
        assertThat(qa.getSpec().subject())
                .isEqualTo(new ApprovalSubject("https://idp.example.com", "agent-1", "agents/claude", POD));
        assertThat(Instant.parse(qa.getSpec().expiresAt())).isAfter(Instant.now());
        assertThat(qa.getSpec().decision()).isEqualTo(Decision.Pending);
        assertThat(qa.getMetadata().getLabels())
                .containsEntry(PgwardenLabels.POLICY, "analytics-agent")
                .containsEntry(PgwardenLabels.APPROVAL_KEY, QueryApprovals.keyLabel("key-1"))
                .containsEntry(PgwardenLabels.APPROVAL_POD, POD);
        assertThat(QueryApprovals.keyLabel("key-1")).matches("[a-z2-7]{52}");
        assertThat(qa.getMetadata().getAnnotations())
                .containsEntry(PgwardenAnnotations.APPROVAL_REASON, "DELETE with a parameter");
        assertThat(qa.getStatus().phase()).isEqualTo(ApprovalPhase.Pending);
        assertThat(pending.outcome()).isNotDone();
    }

    /** The agent's own words go into spec.reason; why the policy held it stays in its annotation. */
    @Test
    void theAgentsReasonIsTheRequestsSpecReason() throws Exception {
        PendingApproval pending = gate.submit(request("key-r", Duration.ofMinutes(10), "remove the duplicate event 42"))
                .get(10, SECONDS);

        QueryApproval qa = approval(pending.name()).get();
        assertThat(qa.getSpec().reason()).isEqualTo("remove the duplicate event 42");
        assertThat(qa.getMetadata().getAnnotations())
                .containsEntry(PgwardenAnnotations.APPROVAL_REASON, "DELETE with a parameter");
        PendingApproval without =
                gate.submit(request("key-s", Duration.ofMinutes(10))).get(10, SECONDS);
        assertThat(approval(without.name()).get().getSpec().reason()).isNull();
    }

    @Test
    void approvalByMergePatchCompletesApprovedWithReviewerAndComment() throws Exception {
        PendingApproval pending =
                gate.submit(request("key-1", Duration.ofMinutes(10))).get(10, SECONDS);
        // What the operator's webhook/reconciler stamps, then what `kubectl patch --type merge` sends.
        approval(pending.name())
                .subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"reviewedBy\":\"alice@example.com\"}}");
        decide(pending.name(), "Approved", "fine, staging only");

        ApprovalOutcome outcome = pending.outcome().get(10, SECONDS);
        assertThat(outcome)
                .isEqualTo(
                        new ApprovalOutcome(pending.name(), State.APPROVED, "alice@example.com", "fine, staging only"));

        pending.executed(true);
        awaitPhase(pending.name(), ApprovalPhase.Executed);
        assertThat(approval(pending.name()).get().getStatus().reviewedBy()).isEqualTo("alice@example.com");
    }

    @Test
    void failedExecutionIsRecorded() throws Exception {
        PendingApproval pending =
                gate.submit(request("key-1", Duration.ofMinutes(10))).get(10, SECONDS);
        decide(pending.name(), "Approved", null);
        assertThat(pending.outcome().get(10, SECONDS).state()).isEqualTo(State.APPROVED);

        pending.executed(false);
        awaitPhase(pending.name(), ApprovalPhase.Failed);
    }

    @Test
    void denialCompletesDeniedWithComment() throws Exception {
        PendingApproval pending =
                gate.submit(request("key-1", Duration.ofMinutes(10))).get(10, SECONDS);
        decide(pending.name(), "Denied", "not on a Friday");

        assertThat(pending.outcome().get(10, SECONDS))
                .isEqualTo(new ApprovalOutcome(pending.name(), State.DENIED, null, "not on a Friday"));
    }

    @Test
    void expiryCompletesExpiredAndMarksThePhase() throws Exception {
        PendingApproval pending =
                gate.submit(request("key-1", Duration.ofMillis(1500))).get(10, SECONDS);

        assertThat(pending.outcome().get(10, SECONDS).state()).isEqualTo(State.EXPIRED);
        awaitPhase(pending.name(), ApprovalPhase.Expired);
    }

    @Test
    void decisionAfterExpiresAtCountsAsExpired() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        KubernetesApprovalGate timed =
                track(new KubernetesApprovalGate(client, NS, POD, Duration.ofSeconds(30), clock));
        PendingApproval pending =
                timed.submit(request("key-1", Duration.ofHours(1))).get(10, SECONDS);

        clock.now = clock.now.plus(Duration.ofHours(2));
        decide(pending.name(), "Approved", "too late");

        assertThat(pending.outcome().get(10, SECONDS).state()).isEqualTo(State.EXPIRED);
        awaitPhase(pending.name(), ApprovalPhase.Expired);
    }

    @Test
    void withdrawDeletesTheRequest() throws Exception {
        PendingApproval pending =
                gate.submit(request("key-1", Duration.ofMinutes(10))).get(10, SECONDS);
        pending.withdraw();

        await(() -> approval(pending.name()).get() == null);
        assertThat(pending.outcome()).isCancelled();
    }

    @Test
    void withdrawAfterADecisionKeepsTheRecord() throws Exception {
        PendingApproval pending =
                gate.submit(request("key-1", Duration.ofMinutes(10))).get(10, SECONDS);
        decide(pending.name(), "Denied", "no");
        assertThat(pending.outcome().get(10, SECONDS).state()).isEqualTo(State.DENIED);

        pending.withdraw();
        gate.close(); // lets queued calls finish: a deletion would have run by now
        gate.executorForTest().awaitTermination(10, SECONDS);
        assertThat(approval(pending.name()).get()).isNotNull();
    }

    @Test
    void deletionByAnotherHandIsADenial() throws Exception {
        PendingApproval pending =
                gate.submit(request("key-1", Duration.ofMinutes(10))).get(10, SECONDS);
        approval(pending.name()).delete();

        ApprovalOutcome outcome = pending.outcome().get(10, SECONDS);
        assertThat(outcome.state()).isEqualTo(State.DENIED);
        assertThat(outcome.comment()).contains("deleted before a decision");
    }

    @Test
    void manyWaitsShareOneWatch() throws Exception {
        List<PendingApproval> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            all.add(gate.submit(request("key-" + i, Duration.ofMinutes(10))).get(10, SECONDS));
        }
        for (PendingApproval p : all) {
            decide(p.name(), "Approved", null);
        }
        for (PendingApproval p : all) {
            assertThat(p.outcome().get(10, SECONDS).name()).isEqualTo(p.name());
        }
        int watches = 0;
        for (var r = server.takeRequest(100, TimeUnit.MILLISECONDS);
                r != null;
                r = server.takeRequest(100, TimeUnit.MILLISECONDS)) {
            if (r.getPath().contains("watch=true")) {
                watches++;
            }
        }
        assertThat(watches).isEqualTo(1);
    }

    @Test
    void retryRequestsThenPendsThenApprovesOnceOnly() throws Exception {
        ApprovalRequest req = request("key-1", Duration.ofMinutes(10));

        ApprovalOutcome first = gate.retry(req).get(10, SECONDS);
        assertThat(first.state()).isEqualTo(State.REQUESTED);
        assertThat(approval(first.name()).get().getStatus().phase()).isEqualTo(ApprovalPhase.Pending);
        assertThat(gate.retry(req).get(10, SECONDS))
                .isEqualTo(new ApprovalOutcome(first.name(), State.PENDING, null, null));

        decide(first.name(), "Approved", "go");
        assertThat(gate.retry(req).get(10, SECONDS))
                .isEqualTo(new ApprovalOutcome(first.name(), State.APPROVED, null, "go"));
        assertThat(approval(first.name()).get().getStatus().phase()).isEqualTo(ApprovalPhase.Executed);

        // Used up: the same statement again needs a new approval.
        ApprovalOutcome again = gate.retry(req).get(10, SECONDS);
        assertThat(again.state()).isEqualTo(State.REQUESTED);
        assertThat(again.name()).isNotEqualTo(first.name());
        assertThat(gate.retry(req).get(10, SECONDS).state()).isEqualTo(State.PENDING);
    }

    @Test
    void retryNeverUsesAnotherKeysApproval() throws Exception {
        ApprovalRequest a = request("key-a", Duration.ofMinutes(10));
        ApprovalRequest b = request("key-b", Duration.ofMinutes(10));
        String nameA = gate.retry(a).get(10, SECONDS).name();
        decide(nameA, "Approved", null);

        ApprovalOutcome forB = gate.retry(b).get(10, SECONDS);
        assertThat(forB.state()).isEqualTo(State.REQUESTED);
        assertThat(forB.name()).isNotEqualTo(nameA);
        assertThat(gate.retry(a).get(10, SECONDS).state()).isEqualTo(State.APPROVED);
    }

    @Test
    void retryReportsTheLatestDenial() throws Exception {
        ApprovalRequest req = request("key-1", Duration.ofMinutes(10));
        String name = gate.retry(req).get(10, SECONDS).name();
        approval(name)
                .subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"reviewedBy\":\"bob@example.com\"}}");
        decide(name, "Denied", "use a migration");

        ApprovalOutcome denied = new ApprovalOutcome(name, State.DENIED, "bob@example.com", "use a migration");
        assertThat(gate.retry(req).get(10, SECONDS)).isEqualTo(denied);
        assertThat(gate.retry(req).get(10, SECONDS)).isEqualTo(denied);
    }

    @Test
    void concurrentRetriesConsumeOneApprovalOnce() throws Exception {
        ApprovalRequest req = request("key-1", Duration.ofMinutes(10));
        String name = gate.retry(req).get(10, SECONDS).name();
        decide(name, "Approved", null);
        KubernetesApprovalGate other = track(new KubernetesApprovalGate(client, NS, "claude-other"));

        List<CompletableFuture<ApprovalOutcome>> racing = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            racing.add(gate.retry(req));
            racing.add(other.retry(req));
        }
        long approved = 0;
        for (CompletableFuture<ApprovalOutcome> f : racing) {
            if (f.get(10, SECONDS).state() == State.APPROVED) {
                approved++;
            }
        }
        assertThat(approved).isEqualTo(1);
    }

    @Test
    void staleResourceVersionCannotConsume() throws Exception {
        ApprovalRequest req = request("key-1", Duration.ofMinutes(10));
        String name = gate.retry(req).get(10, SECONDS).name();
        decide(name, "Approved", null);
        QueryApproval stale = approval(name).get();
        decide(name, "Approved", "edited meanwhile");

        assertThat(gate.consume(stale)).isFalse();
        assertThat(gate.consume(approval(name).get())).isTrue();
    }

    @Test
    void unreachableApiServerFailsClosed() throws Exception {
        KubernetesClient unreachable = track(new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(Config.empty())
                        .withMasterUrl("https://127.0.0.1:" + closedPort())
                        .withRequestRetryBackoffLimit(0)
                        .withConnectionTimeout(2_000)
                        .withRequestTimeout(2_000)
                        .build())
                .build());
        KubernetesApprovalGate down = track(new KubernetesApprovalGate(unreachable, NS, POD));
        ApprovalRequest req = request("key-1", Duration.ofMinutes(10));

        assertUnavailable(down.submit(req), "watch QueryApprovals in namespace agents");
        assertUnavailable(down.retry(req), "list QueryApprovals in namespace agents");
    }

    @Test
    void lostWatchFailsOpenWaits() throws Exception {
        KubernetesMockServer own = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        own.init();
        KubernetesClient ownClient = track(own.createClient());
        loadCrd(ownClient);
        KubernetesApprovalGate shortGrace =
                track(new KubernetesApprovalGate(ownClient, NS, POD, Duration.ofSeconds(1), Clock.systemUTC()));
        PendingApproval pending =
                shortGrace.submit(request("key-1", Duration.ofMinutes(10))).get(10, SECONDS);

        own.destroy();

        assertThatThrownBy(() -> pending.outcome().get(20, SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(ApprovalUnavailableException.class)
                .hasMessageContaining("watch QueryApprovals in namespace agents")
                .hasMessageContaining("the statement was not run");
    }

    @Test
    void closedGateFailsOpenWaits() throws Exception {
        PendingApproval pending =
                gate.submit(request("key-1", Duration.ofMinutes(10))).get(10, SECONDS);
        gate.close();

        assertThatThrownBy(() -> pending.outcome().get(10, SECONDS))
                .cause()
                .isInstanceOf(ApprovalUnavailableException.class);
        await(() -> approval(pending.name()).get() == null);
        assertUnavailable(gate.submit(request("key-2", Duration.ofMinutes(10))), "the approval gate is clos");
    }

    private static void assertUnavailable(CompletableFuture<?> future, String message) {
        assertThatThrownBy(() -> future.get(30, SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(ApprovalUnavailableException.class)
                .hasMessageContaining(message)
                .hasMessageContaining("the statement was not run");
    }

    private static ApprovalRequest request(String key, Duration ttl) {
        return request(key, ttl, null);
    }

    private static ApprovalRequest request(String key, Duration ttl, String agentReason) {
        return new ApprovalRequest(
                "analytics-agent",
                "destructive-ddl",
                "DELETE with a parameter",
                new ApprovalSubject("https://idp.example.com", "agent-1", "agents/claude", null),
                "claude-7d9f/3f2a",
                "DELETE FROM events WHERE id = $1",
                List.of("42"),
                key,
                "sha256:abc",
                Instant.now().plus(ttl),
                agentReason,
                null,
                List.of());
    }

    private Resource<QueryApproval> approval(String name) {
        return client.resources(QueryApproval.class).inNamespace(NS).withName(name);
    }

    /** The body `kubectl patch queryapproval NAME --type merge -p ...` sends. */
    private void decide(String name, String decision, String comment) {
        String body = comment == null
                ? "{\"spec\":{\"decision\":\"" + decision + "\"}}"
                : "{\"spec\":{\"decision\":\"" + decision + "\",\"comment\":\"" + comment + "\"}}";
        approval(name).patch(PatchContext.of(PatchType.JSON_MERGE), body);
    }

    private void awaitPhase(String name, ApprovalPhase phase) throws InterruptedException {
        await(() -> {
            QueryApproval qa = approval(name).get();
            return qa != null && qa.getStatus() != null && qa.getStatus().phase() == phase;
        });
        assertThat(approval(name).get().getStatus().phase()).isEqualTo(phase);
    }

    /** Polls a condition for up to ten seconds; the assertion that follows says what was expected. */
    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(condition.getAsBoolean()).as("condition within 10s").isTrue();
    }

    private static void loadCrd(KubernetesClient client) throws Exception {
        try (InputStream in = Files.newInputStream(CRD)) {
            client.apiextensions().v1().customResourceDefinitions().load(in).create();
        }
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private <T extends AutoCloseable> T track(T closeable) {
        closeAfter.add(0, closeable);
        return closeable;
    }

    /** A clock the test moves, to reach expiresAt without waiting for it. */
    private static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
