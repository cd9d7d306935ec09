package dev.pgwarden.operator.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import dev.pgwarden.api.v1alpha1.ObjectEstimate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pieces of a notification on their own: the backoff's waits, which URLs are taken, Slack's limits. */
class NotificationPartsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theBackoffDoublesUpToItsCap() {
        Backoff backoff = new Backoff(6, Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(10));
        assertThat(List.of(
                        backoff.before(2), backoff.before(3), backoff.before(4), backoff.before(5), backoff.before(6)))
                .containsExactly(
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(4),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(5));
        assertThatThrownBy(() -> new Backoff(0, Duration.ZERO, Duration.ZERO, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void plainHttpOnlyToLoopbackOrAClusterService() throws Exception {
        assertThat(ChannelUrls.checked("https://hooks.example.com/services/x", "s/k"))
                .hasScheme("https");
        assertThat(ChannelUrls.checked("http://127.0.0.1:8080/hook", "s/k")).hasHost("127.0.0.1");
        assertThat(ChannelUrls.checked("http://receiver.monitoring.svc:9000/", "s/k"))
                .hasHost("receiver.monitoring.svc");
        for (String refused : List.of("http://hooks.example.com/x", "ftp://127.0.0.1/x", "not a url", "/relative")) {
            assertThatThrownBy(() -> ChannelUrls.checked(refused, "agents/hooks key url"))
                    .isInstanceOf(ChannelUrls.Unusable.class)
                    .hasMessageContaining("agents/hooks key url")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(refused));
        }
    }

    @Test
    void slackTextIsEscapedAndALongStatementClippedWithinSlacksLimits() throws Exception {
        String statement = "SELECT a <> b & c FROM t WHERE x = '```'" + " OR y = 1".repeat(1000);
        JsonNode slack = JSON.readTree(SlackBody.render(message(statement)));
        String all = slack.get("blocks").toString();
        assertThat(all).contains("a &lt;&gt; b &amp; c").doesNotContain("a <> b");
        assertThat(all).contains("clipped: kubectl get queryapproval -o yaml shows it whole");
        for (JsonNode block : slack.get("blocks")) {
            JsonNode text = block.has("text")
                    ? block.get("text")
                    : block.get("elements").get(0);
            assertThat(text.get("text").asText().length()).isLessThanOrEqualTo(3000);
        }
        // The commands are never clipped: they are what the reviewer copies.
        assertThat(all).contains("kubectl -n agents patch queryapproval pgw-x --type merge");
    }

    @Test
    void theGenericBodyKeepsEveryKeyEvenWithoutAValue() throws Exception {
        JsonNode body = JSON.readTree(WebhookBody.render(message("SELECT 1")));
        List<String> keys = new java.util.ArrayList<>();
        body.fieldNames().forEachRemaining(keys::add);
        assertThat(keys)
                .containsExactly(
                        "event",
                        "version",
                        "namespace",
                        "name",
                        "policy",
                        "rule",
                        "subject",
                        "pod",
                        "session",
                        "statement",
                        "parameters",
                        "fingerprint",
                        "reason",
                        "heldBecause",
                        "rowsChanged",
                        "estimates",
                        "requestedAt",
                        "expiresAt",
                        "commands");
        assertThat(body.get("reason").isNull()).isTrue();
    }

    @Test
    void aDropRequestTellsReviewersWhatItWouldRemove() throws Exception {
        List<ObjectEstimate> estimates = List.of(
                new ObjectEstimate("partitioned table app.orders", "app.orders", 3, 1_234_567L, 3L * 1024 * 1024, null),
                new ObjectEstimate("relation scratch", null, null, null, null, "not found by pgwarden's catalog read"));
        ApprovalMessage m = message("DROP TABLE app.orders, scratch", estimates);
        String slack = JSON.readTree(SlackBody.render(m)).get("blocks").toString();
        assertThat(slack)
                .contains("*Would remove* partitioned table app.orders: about 1,234,567 rows, 3.0 MiB in 3 relations")
                .contains("*Would remove* relation scratch: no estimate (not found by pgwarden's catalog read)");
        JsonNode webhook = JSON.readTree(WebhookBody.render(m)).get("estimates");
        assertThat(webhook).hasSize(2);
        assertThat(webhook.get(0).get("rows").asLong()).isEqualTo(1_234_567L);
        assertThat(webhook.get(0).get("bytes").asLong()).isEqualTo(3L * 1024 * 1024);
        assertThat(webhook.get(1).has("rows")).isFalse();
    }

    private static ApprovalMessage message(String statement) {
        return message(statement, List.of());
    }

    private static ApprovalMessage message(String statement, List<ObjectEstimate> estimates) {
        return new ApprovalMessage(
                "agents",
                "pgw-x",
                "analytics",
                "big-writes",
                new ApprovalSubject(null, null, "agents/claude", "claude-1"),
                "claude-1",
                "claude-1/1",
                statement,
                List.of(),
                "sha256:x",
                null,
                "it matches rule \"big-writes\"",
                250L,
                estimates,
                java.time.Instant.now().toString(),
                java.time.Instant.now().plusSeconds(600).toString(),
                dev.pgwarden.api.cluster.ReviewCommands.approve("agents", "pgw-x"),
                dev.pgwarden.api.cluster.ReviewCommands.deny("agents", "pgw-x"));
    }
}
