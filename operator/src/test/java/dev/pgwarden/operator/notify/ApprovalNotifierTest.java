package dev.pgwarden.operator.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.v1alpha1.ApprovalNotification;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.NotificationOutcome;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.operator.Await;
import dev.pgwarden.operator.ClusterFixture;
import dev.pgwarden.operator.MutableClock;
import dev.pgwarden.operator.Reconcilers;
import dev.pgwarden.operator.events.EventRecorder;
import dev.pgwarden.sidecar.sql.SqlNames;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reviewers are told of new requests: the real operator against the Fabric8 mock API server (CRUD
 * mode), its notifications sent to a real HTTP server on 127.0.0.1 that records what it receives.
 */
@EnableKubernetesMockClient(crud = true)
class ApprovalNotifierTest {
    private static final String NS = "agents";
    private static final String SLACK = "Slack:reviewer-hooks/slack";
    private static final String WEBHOOK = "Webhook:reviewer-hooks/generic";
    private static final Backoff FAST =
            new Backoff(3, Duration.ofMillis(20), Duration.ofMillis(80), Duration.ofSeconds(5));
    private static final ObjectMapper JSON = new ObjectMapper();

    KubernetesMockServer server;
    KubernetesClient client;
    private final MutableClock clock = new MutableClock();
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<Operator> operators = new ArrayList<>();
    private RecordingWebhook hooks;

    @BeforeEach
    void start() throws Exception {
        hooks = new RecordingWebhook();
        ClusterFixture.installCrds(client);
    }

    @AfterEach
    void stop() {
        operators.forEach(Operator::stop);
        hooks.close();
    }

    @Test
    void bothChannelsCarryEveryFieldAndTheKubectlCommands() throws Exception {
        hooksSecret(Map.of("slack", hooks.url("/slack"), "generic", hooks.url("/generic")));
        policy(channel("Slack", "slack") + channel("Webhook", "generic"));
        startOperator();
        String expires = clock.instant().plus(Duration.ofMinutes(10)).toString();
        client.resource(approval("pgw-tell", "DELETE FROM staging_events WHERE batch = 7", expires))
                .create();

        JsonNode generic = JSON.readTree(awaitBodies("/generic", 1).get(0).body());
        String approve = "kubectl -n agents patch queryapproval pgw-tell --type merge"
                + " -p '{\"spec\":{\"decision\":\"Approved\"}}'";
        String deny = "kubectl -n agents patch queryapproval pgw-tell --type merge"
                + " -p '{\"spec\":{\"decision\":\"Denied\",\"comment\":\"REASON\"}}'";
        assertThat(generic.get("event").asText()).isEqualTo("pgwarden.dev/approval-requested");
        assertThat(generic.get("version").asInt()).isEqualTo(1);
        assertThat(generic.get("namespace").asText()).isEqualTo(NS);
        assertThat(generic.get("name").asText()).isEqualTo("pgw-tell");
        assertThat(generic.get("policy").asText()).isEqualTo("analytics");
        assertThat(generic.get("rule").asText()).isEqualTo("big-writes");
        assertThat(generic.get("subject").get("serviceAccount").asText()).isEqualTo("agents/claude");
        assertThat(generic.get("pod").asText()).isEqualTo("claude-7d9f");
        assertThat(generic.get("session").asText()).isEqualTo("claude-7d9f/1");
        assertThat(generic.get("statement").asText()).isEqualTo("DELETE FROM staging_events WHERE batch = 7");
        assertThat(generic.get("parameters")).isEmpty();
        assertThat(generic.get("fingerprint").asText()).isEqualTo("sha256:abc");
        assertThat(generic.get("reason").asText()).isEqualTo("clean up after ticket 7");
        assertThat(generic.get("heldBecause").asText()).contains("a trial run changed 250 rows, more than 100");
        assertThat(generic.get("rowsChanged").asLong()).isEqualTo(250);
        assertThat(generic.get("expiresAt").asText()).isEqualTo(expires);
        assertThat(generic.get("requestedAt").asText()).isNotBlank();
        assertThat(generic.get("commands").get("approve").asText()).isEqualTo(approve);
        assertThat(generic.get("commands").get("deny").asText()).isEqualTo(deny);

        RecordingWebhook.Received slackRequest = awaitBodies("/slack", 1).get(0);
        assertThat(slackRequest.contentType()).startsWith("application/json");
        JsonNode slack = JSON.readTree(slackRequest.body());
        assertThat(slack.get("text").asText()).contains("pgw-tell", "big-writes", "agents/claude");
        List<String> fieldNames = new ArrayList<>();
        slack.fieldNames().forEachRemaining(fieldNames::add);
        assertThat(fieldNames).as("what a Slack incoming webhook accepts").containsExactly("text", "blocks");
        StringBuilder shown = new StringBuilder();
        for (JsonNode block : slack.get("blocks")) {
            assertThat(block.get("type").asText()).isIn("section", "context");
            JsonNode text = block.has("text")
                    ? block.get("text")
                    : block.get("elements").get(0);
            assertThat(text.get("type").asText()).isEqualTo("mrkdwn");
            assertThat(text.get("text").asText().length()).isLessThanOrEqualTo(3000);
            shown.append(text.get("text").asText()).append('\n');
        }
        assertThat(shown.toString())
                .contains(
                        "analytics",
                        "big-writes",
                        "agents/claude",
                        "claude-7d9f",
                        "DELETE FROM staging_events WHERE batch = 7",
                        "clean up after ticket 7",
                        "a trial run changed 250 rows, more than 100",
                        "*Trial run* changed 250 rows",
                        expires,
                        approve,
                        deny);

        QueryApproval told = awaitApproval(
                "pgw-tell",
                qa -> qa.getStatus() != null
                        && qa.getStatus().notificationsOrEmpty().size() == 2);
        assertThat(told.getStatus().notifications())
                .extracting(ApprovalNotification::channel, ApprovalNotification::outcome)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(SLACK, NotificationOutcome.Delivered),
                        org.assertj.core.groups.Tuple.tuple(WEBHOOK, NotificationOutcome.Delivered));
        awaitEvent("pgw-tell", "Notified", WEBHOOK);
        Await.until(
                () -> metrics.scrape().contains("pgwarden_approvals_pending 1.0"),
                "the pending gauge counts the request");
        assertThat(metrics.scrape()).containsPattern("(?m)^pgwarden_approvals_pending_oldest_seconds \\d");
    }

    @Test
    void neitherAReReconcileNorARestartTellsAChannelTwice() throws Exception {
        hooksSecret(Map.of("generic", hooks.url("/generic")));
        policy(channel("Webhook", "generic"));
        startOperator();
        client.resource(approval("pgw-once", "DROP TABLE staging_events", inTenMinutes()))
                .create();
        awaitBodies("/generic", 1);
        awaitApproval(
                "pgw-once",
                qa -> qa.getStatus() != null
                        && !qa.getStatus().notificationsOrEmpty().isEmpty());
        touch("pgw-once", "1");
        touch("pgw-once", "2");

        // A restarted operator: new notifier, new informers, nothing remembered but the status.
        operators.remove(0).stop();
        startOperator();
        touch("pgw-once", "3");
        // Its reconciles run: a request made after the restart is told, by then the touched one was reconciled too.
        client.resource(approval("pgw-after", "DROP TABLE staging_other", inTenMinutes()))
                .create();
        Await.until(
                () -> hooks.received("/generic").stream().anyMatch(r -> r.body().contains("pgw-after")),
                "the restarted operator tells of a new request");
        touch("pgw-once", "4");
        Thread.sleep(500); // a duplicate, if any were sent, has had time to arrive
        assertThat(hooks.received("/generic"))
                .filteredOn(r -> r.body().contains("\"pgw-once\""))
                .hasSize(1);

        // And a notifier started from nothing, handed the request as the API server holds it, has nothing to do
        // (the operator stopped, so that this notifier is the only one).
        operators.remove(0).stop();
        try (ApprovalNotifier fresh =
                new ApprovalNotifier(client, new EventRecorder(client, "test", clock), clock, metrics, FAST)) {
            QueryApproval stored = get("pgw-once");
            assertThat(fresh.requested(stored).get(30, TimeUnit.SECONDS)).isEmpty();
            // The same request handed over twice at once is told once.
            QueryApproval another = client.resource(approval("pgw-twice", "DROP TABLE t2", inTenMinutes()))
                    .create();
            var first = fresh.requested(another);
            var second = fresh.requested(another);
            assertThat(first.get(30, TimeUnit.SECONDS).size()
                            + second.get(30, TimeUnit.SECONDS).size())
                    .isEqualTo(1);
        }
        Thread.sleep(500);
        assertThat(hooks.received("/generic"))
                .filteredOn(r -> r.body().contains("\"pgw-twice\""))
                .hasSize(1);
    }

    @Test
    void a500ThenA200IsRetriedAndDeliveredOnce() throws Exception {
        hooksSecret(Map.of("generic", hooks.url("/generic")));
        policy(channel("Webhook", "generic"));
        hooks.answer("/generic", 500);
        startOperator();
        client.resource(approval("pgw-retry", "DROP TABLE staging_events", inTenMinutes()))
                .create();
        QueryApproval told = awaitApproval(
                "pgw-retry",
                qa -> qa.getStatus() != null
                        && !qa.getStatus().notificationsOrEmpty().isEmpty());
        ApprovalNotification outcome = told.getStatus().notifications().get(0);
        assertThat(outcome.outcome()).isEqualTo(NotificationOutcome.Delivered);
        assertThat(outcome.attempts()).isEqualTo(2);
        List<RecordingWebhook.Received> received = hooks.received("/generic");
        assertThat(received).hasSize(2);
        assertThat(received.get(1).body()).isEqualTo(received.get(0).body());
        assertThat(metrics.scrape())
                .contains(sample("pgwarden_approval_notifications_delivered_total", WEBHOOK, 1))
                .doesNotContain("pgwarden_approval_notifications_failed_total{");
    }

    @Test
    void aChannelThatKeepsFailingIsCountedAndAnEvent() throws Exception {
        hooksSecret(Map.of("slack", hooks.url("/slack"), "generic", hooks.url("/gone")));
        policy(channel("Slack", "slack") + channel("Webhook", "generic"));
        hooks.answerAlways("/slack", 503);
        hooks.answerAlways("/gone", 404);
        startOperator();
        client.resource(approval("pgw-fail", "DROP TABLE staging_events", inTenMinutes()))
                .create();
        QueryApproval told = awaitApproval(
                "pgw-fail",
                qa -> qa.getStatus() != null
                        && qa.getStatus().notificationsOrEmpty().size() == 2);
        assertThat(told.getStatus().notifications())
                .allSatisfy(n -> assertThat(n.outcome()).isEqualTo(NotificationOutcome.Failed));
        assertThat(hooks.received("/slack"))
                .as("every attempt of the backoff, no more")
                .hasSize(FAST.attempts());
        assertThat(hooks.received("/gone"))
                .as("a 404 will not change: not retried")
                .hasSize(1);
        Event event = awaitEvent("pgw-fail", "NotificationFailed", SLACK);
        assertThat(event.getType()).isEqualTo("Warning");
        assertThat(event.getNote()).contains("HTTP 503").doesNotContain(hooks.url("/slack"));
        awaitEvent("pgw-fail", "NotificationFailed", "HTTP 404");
        assertThat(metrics.scrape())
                .contains(sample("pgwarden_approval_notifications_failed_total", SLACK, 1))
                .contains(sample("pgwarden_approval_notifications_failed_total", WEBHOOK, 1));
    }

    @Test
    void aMissingSecretIsAnEventWithAClearMessageAndTheRequestStillWorks() throws Exception {
        policy(channel("Webhook", "generic"));
        startOperator();
        client.resource(approval("pgw-nosecret", "DROP TABLE staging_events", inTenMinutes()))
                .create();
        Event event = awaitEvent("pgw-nosecret", "NotificationFailed", "does not exist");
        assertThat(event.getNote())
                .contains("Secret agents/reviewer-hooks does not exist")
                .contains("key generic");
        assertThat(metrics.scrape()).contains(sample("pgwarden_approval_notifications_failed_total", WEBHOOK, 1));
        // The reconciler carries on: a decision still becomes the phase.
        client.resources(QueryApproval.class)
                .inNamespace(NS)
                .withName("pgw-nosecret")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"decision\":\"Denied\"}}");
        awaitApproval("pgw-nosecret", qa -> qa.phaseOrPending() == dev.pgwarden.api.v1alpha1.ApprovalPhase.Denied);
        Await.until(
                () -> metrics.scrape().contains("pgwarden_approvals_pending 0.0"),
                "a decided request is no longer pending");
    }

    @Test
    void aStatementThatTouchesMaskedColumnsReachesChannelsOnlyAsTheRequestHoldsIt() throws Exception {
        hooksSecret(Map.of("slack", hooks.url("/slack"), "generic", hooks.url("/generic")));
        policy(channel("Slack", "slack") + channel("Webhook", "generic"));
        startOperator();
        // What the agent sent, and what the sidecar files for it when it may carry masked values:
        // the audit's form, literals as '?', parameters withheld.
        String sent = "UPDATE patients SET ssn = '123-45-6789' WHERE name = 'Ada Lovelace'";
        String held = SqlNames.fingerprint(sent);
        assertThat(held).doesNotContain("123-45-6789").contains("patients");
        QueryApproval masked = approval("pgw-masked", held, inTenMinutes());
        masked.getSpec().parameters().add("[redacted]");
        client.resource(masked).create();
        for (String path : List.of("/slack", "/generic")) {
            String body = awaitBodies(path, 1).get(0).body();
            assertThat(body).contains("[redacted]").doesNotContain("123-45-6789", "Ada Lovelace");
        }
        JsonNode generic = JSON.readTree(hooks.received("/generic").get(0).body());
        assertThat(generic.get("statement").asText()).isEqualTo(held);
    }

    // ------------------------------------------------------------------ fixtures

    /** A counter's line as Prometheus scrapes it (Micrometer sorts the labels by name). */
    private static String sample(String name, String channel, int value) {
        return name + "{approval_namespace=\"agents\",channel=\"" + channel + "\"} " + value + ".0";
    }

    private void startOperator() {
        Operator operator = Reconcilers.create(
                client,
                new Reconcilers.Settings(Set.of(), Duration.ofHours(2), null, null, clock, "test", metrics, FAST));
        operator.start();
        operators.add(operator);
    }

    private void hooksSecret(Map<String, String> urls) {
        SecretBuilder secret = new SecretBuilder()
                .withNewMetadata()
                .withName("reviewer-hooks")
                .withNamespace(NS)
                .endMetadata();
        urls.forEach((key, url) ->
                secret.addToData(key, Base64.getEncoder().encodeToString(url.getBytes(StandardCharsets.UTF_8))));
        client.resource(secret.build()).create();
    }

    private static String channel(String type, String key) {
        return """
              - type: %s
                secretRef: {name: reviewer-hooks, key: %s}
        """.formatted(type, key);
    }

    private void policy(String channels) {
        String yaml = """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: analytics, namespace: %s}
        spec:
          access: {mode: ReadWrite}
          approval:
            notify:
        %s
        """.formatted(NS, channels);
        client.resource(client.getKubernetesSerialization().unmarshal(yaml, DatabaseAccessPolicy.class))
                .create();
    }

    private String inTenMinutes() {
        return clock.instant().plus(Duration.ofMinutes(10)).toString();
    }

    private QueryApproval approval(String name, String statement, String expiresAt) {
        String yaml = """
        apiVersion: pgwarden.dev/v1alpha1
        kind: QueryApproval
        metadata:
          name: %s
          namespace: %s
          labels: {pgwarden.dev/policy: analytics}
          annotations:
            %s: "%s"
            %s: 'it matches rule "big-writes" (a trial run changed 250 rows, more than 100)'
        spec:
          policy: analytics
          rule: big-writes
          subject: {serviceAccount: agents/claude, pod: claude-7d9f}
          session: claude-7d9f/1
          statement: %s
          parameters: []
          fingerprint: sha256:abc
          expiresAt: "%s"
          decision: Pending
          reason: clean up after ticket 7
          rowsChanged: 250
        """.formatted(
                        name,
                        NS,
                        PgwardenAnnotations.REQUESTED_AT,
                        clock.instant(),
                        PgwardenAnnotations.APPROVAL_REASON,
                        quoted(statement),
                        expiresAt);
        QueryApproval approval = client.getKubernetesSerialization().unmarshal(yaml, QueryApproval.class);
        approval.getSpec().parameters();
        return approval;
    }

    private static String quoted(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    /** A change of the request's labels: an update event, so another reconcile. */
    private void touch(String name, String value) {
        client.resources(QueryApproval.class)
                .inNamespace(NS)
                .withName(name)
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"labels\":{\"touched\":\"" + value + "\"}}}");
    }

    private QueryApproval get(String name) {
        return client.resources(QueryApproval.class)
                .inNamespace(NS)
                .withName(name)
                .get();
    }

    private List<RecordingWebhook.Received> awaitBodies(String path, int count) throws InterruptedException {
        return Await.value(() -> hooks.received(path), r -> r.size() >= count, count + " requests to " + path);
    }

    private QueryApproval awaitApproval(String name, Predicate<QueryApproval> test) throws InterruptedException {
        return Await.value(() -> get(name), test, name + " reaches the expected state");
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
