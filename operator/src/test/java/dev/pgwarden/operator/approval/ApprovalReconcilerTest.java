package dev.pgwarden.operator.approval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.v1alpha1.ApprovalPhase;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.operator.Await;
import dev.pgwarden.operator.ClusterFixture;
import dev.pgwarden.operator.MutableClock;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The approval reconciler in a real JOSDK operator against the Fabric8 mock API server (CRUD mode). */
@EnableKubernetesMockClient(crud = true)
class ApprovalReconcilerTest {
    private static final String NS = "agents";

    KubernetesMockServer server;
    KubernetesClient client;
    private final MutableClock clock = new MutableClock();
    private Operator operator;

    @BeforeEach
    void start() {
        ClusterFixture.installCrds(client);
        operator = ClusterFixture.startOperator(client, clock, Duration.ofHours(2));
    }

    @AfterEach
    void stop() {
        operator.stop();
    }

    @Test
    void aStampedDecisionBecomesThePhaseWithItsReviewerAndAnEvent() throws Exception {
        client.resource(approval("qa-approve", clock.instant().plus(Duration.ofMinutes(10))))
                .create();
        // The stamp is the decision's time on the operator's own clock: a fixed date would age past the
        // retention and the request would be collected before the test looks.
        String reviewedAt = clock.instant().toString();
        stamp("qa-approve", "alice@example.com", reviewedAt);
        decide("qa-approve", "Approved");
        QueryApproval decided = await("qa-approve", qa -> qa.phaseOrPending() == ApprovalPhase.Approved);
        assertThat(decided.getStatus().reviewedBy()).isEqualTo("alice@example.com");
        assertThat(decided.getStatus().reviewedAt()).isEqualTo(reviewedAt);
        awaitEvent("qa-approve", "Approved", "alice@example.com");
    }

    @Test
    void aDecisionWithoutTheWebhookStampIsRecordedWithAWarning() throws Exception {
        client.resource(approval("qa-unstamped", clock.instant().plus(Duration.ofMinutes(10))))
                .create();
        decide("qa-unstamped", "Denied");
        QueryApproval decided = await("qa-unstamped", qa -> qa.phaseOrPending() == ApprovalPhase.Denied);
        assertThat(decided.getStatus().reviewedBy()).isNull();
        Event event = awaitEvent("qa-unstamped", "Denied", "unknown reviewer");
        assertThat(event.getType()).isEqualTo("Warning");
    }

    @Test
    void aPendingRequestExpiresAtItsDeadline() throws Exception {
        client.resource(approval("qa-late", clock.instant().minusSeconds(5))).create();
        client.resource(approval("qa-soon", clock.instant().plusSeconds(2))).create();
        client.resource(approval("qa-open", clock.instant().plus(Duration.ofMinutes(30))))
                .create();
        await("qa-late", qa -> qa.phaseOrPending() == ApprovalPhase.Expired);
        await("qa-soon", qa -> qa.phaseOrPending() == ApprovalPhase.Expired);
        awaitEvent("qa-soon", "Expired", "the statement was not run");
        QueryApproval open = client.resources(QueryApproval.class)
                .inNamespace(NS)
                .withName("qa-open")
                .get();
        assertThat(open.phaseOrPending()).isEqualTo(ApprovalPhase.Pending);
    }

    @Test
    void theSidecarsExecutedPhaseIsNeverMovedBack() throws Exception {
        client.resource(approval("qa-used", clock.instant().plus(Duration.ofMinutes(10))))
                .create();
        stamp("qa-used", "bob", clock.instant().toString());
        // The sidecar ran the statement and marked it before the operator looked.
        client.resources(QueryApproval.class)
                .inNamespace(NS)
                .withName("qa-used")
                .subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Executed\"}}");
        decide("qa-used", "Approved");
        QueryApproval used = await(
                "qa-used",
                qa -> "bob"
                        .equals(qa.getStatus() == null ? null : qa.getStatus().reviewedBy()));
        assertThat(used.getStatus().phase()).isEqualTo(ApprovalPhase.Executed);
    }

    @Test
    void closedRequestsAreDeletedAfterTheRetentionAndOpenOnesAreKept() throws Exception {
        client.resource(approval("qa-old", clock.instant().minusSeconds(1))).create();
        client.resource(approval("qa-waiting", clock.instant().plus(Duration.ofHours(5))))
                .create();
        await("qa-old", qa -> qa.phaseOrPending() == ApprovalPhase.Expired);
        // Retention is two hours: let them pass.
        clock.advance(Duration.ofHours(3));
        // A status change of its own is what brings the reconcile here now (in production, the reschedule at the
        // deadline).
        try {
            client.resources(QueryApproval.class)
                    .inNamespace(NS)
                    .withName("qa-old")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}");
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            // A reconcile already ran after the clock moved (its own status write brings one) and collected it.
            assertThat(e.getCode()).isEqualTo(404);
        }
        awaitGone("qa-old");
        awaitEvent("qa-old", "Deleted", "retention");
        assertThat(client.resources(QueryApproval.class)
                        .inNamespace(NS)
                        .withName("qa-waiting")
                        .get())
                .as("a pending request is never collected")
                .isNotNull();
    }

    private QueryApproval approval(String name, Instant expiresAt) {
        String yaml = """
        apiVersion: pgwarden.dev/v1alpha1
        kind: QueryApproval
        metadata:
          name: %s
          namespace: %s
          labels: {pgwarden.dev/policy: analytics}
          annotations: {pgwarden.dev/requested-at: "%s"}
        spec:
          policy: analytics
          rule: destructive-ddl
          subject: {serviceAccount: agents/claude, pod: claude-7d9f}
          session: claude-7d9f/1
          statement: DROP TABLE staging_events
          fingerprint: sha256:abc
          expiresAt: "%s"
          decision: Pending
        """.formatted(name, NS, clock.instant(), expiresAt);
        return client.getKubernetesSerialization().unmarshal(yaml, QueryApproval.class);
    }

    /**
     * What the mutating webhook writes, as one merge patch without a resourceVersion: a GET-then-PATCH
     * (Fabric8's edit) would race the operator's own status writes.
     */
    private void stamp(String name, String reviewer, String at) {
        client.resources(QueryApproval.class)
                .inNamespace(NS)
                .withName(name)
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"" + PgwardenAnnotations.REVIEWED_BY + "\":\"" + reviewer
                                + "\",\"" + PgwardenAnnotations.REVIEWED_AT + "\":\"" + at + "\"}}}");
    }

    private void decide(String name, String decision) {
        client.resources(QueryApproval.class)
                .inNamespace(NS)
                .withName(name)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"decision\":\"" + decision + "\"}}");
    }

    private QueryApproval await(String name, Predicate<QueryApproval> test) throws InterruptedException {
        return Await.value(
                () -> client.resources(QueryApproval.class)
                        .inNamespace(NS)
                        .withName(name)
                        .get(),
                test,
                name + " reaches the expected state");
    }

    private void awaitGone(String name) throws InterruptedException {
        Await.until(
                () -> client.resources(QueryApproval.class)
                                .inNamespace(NS)
                                .withName(name)
                                .get()
                        == null,
                name + " is deleted");
    }

    private Event awaitEvent(String about, String reason, String noteContains) throws InterruptedException {
        return Await.value(
                () -> client.events().v1().events().inNamespace(NS).list().getItems().stream()
                        .filter(e -> about.equals(e.getRegarding().getName())
                                && reason.equals(e.getReason())
                                && e.getNote().contains(noteContains))
                        .findFirst()
                        .orElse(null),
                e -> true,
                "an event " + reason + " about " + about + " mentions " + noteContains);
    }
}
