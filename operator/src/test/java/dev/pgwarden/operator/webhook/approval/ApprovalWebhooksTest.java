package dev.pgwarden.operator.webhook.approval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.operator.webhook.Fixtures;
import dev.pgwarden.operator.webhook.admission.PolicyLookup;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@EnableKubernetesMockClient(crud = true)
class ApprovalWebhooksTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);

    KubernetesClient client;
    ReviewStamper stamper;
    ApprovalValidator validator;

    @BeforeEach
    void setUp() {
        Fixtures.createPolicies(client);
        stamper = new ReviewStamper(CLOCK);
        validator = new ApprovalValidator(new PolicyLookup(client), CLOCK);
    }

    /** What the API server does: the mutating webhook, its patch applied, then the validating one. */
    private Outcome decide(String fixture) {
        JsonNode review = Fixtures.json("approvals/" + fixture + ".json");
        AdmissionResponse mutation = stamper.handle(Fixtures.review(review).getRequest());
        assertThat(mutation.getAllowed()).isTrue();
        JsonNode mutated = Fixtures.patched(review, mutation);
        ObjectNode next = review.deepCopy();
        ((ObjectNode) next.get("request")).set("object", mutated);
        return new Outcome(mutated, validator.handle(Fixtures.review(next).getRequest()));
    }

    private AdmissionResponse validateOnly(String fixture) {
        return validator.handle(
                Fixtures.review("approvals/" + fixture + ".json").getRequest());
    }

    record Outcome(JsonNode object, AdmissionResponse validation) {
        String annotation(String key) {
            return object.path("metadata").path("annotations").path(key).asText(null);
        }
    }

    @ParameterizedTest(name = "{0} by {1}")
    @CsvSource({
        "approve-by-group-reviewer,    alice@example.com",
        "deny-by-user-reviewer,        carol@example.com",
        "approve-open-review,          mallory@example.com",
        // The client wrote bob; the stamp comes from the request's user, so it is alice.
        "approve-with-forged-reviewer, alice@example.com",
    })
    void aReviewerDecidesAndIsStamped(String fixture, String reviewer) {
        Outcome outcome = decide(fixture);

        assertThat(outcome.validation().getAllowed())
                .as(String.valueOf(outcome.validation().getStatus()))
                .isTrue();
        assertThat(outcome.annotation(PgwardenAnnotations.REVIEWED_BY)).isEqualTo(reviewer);
        assertThat(outcome.annotation(PgwardenAnnotations.REVIEWED_AT)).isEqualTo("2030-01-01T00:00:00Z");
        // What the sidecar put there stays.
        assertThat(outcome.annotation(PgwardenAnnotations.REQUESTED_AT)).isEqualTo("2029-12-31T23:59:30.123Z");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "approve-by-non-reviewer              | mallory@example.com is not a reviewer under policy analytics-agent",
                "approve-by-requester-service-account | you cannot decide your own request: you are the requesting service account agents/claude",
                "approve-by-other-agent               | service account agents/helper is an agent under policy analytics-agent",
                "approve-by-requester-oidc            | you are the requesting identity alice@example.com",
                "approve-by-requester-pod-token       | your token is bound to the requesting pod claude-7d9f-abcde",
                "approve-and-change-statement         | spec.statement of a QueryApproval cannot change",
                "approve-expired                      | expired at 2029-12-31T23:00:00Z and can no longer be approved",
                "approve-unknown-policy               | DatabaseAccessPolicy deleted-policy no longer exists",
            })
    void refusedDecisions(String fixture, String message) {
        AdmissionResponse response = decide(fixture).validation();

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage()).contains(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "back-to-pending               | was already Approved by alice@example.com; a decision is final",
                "decision-removed              | was already Approved by alice@example.com; a decision is final",
                "approved-to-denied            | was already Approved",
                "denied-to-approved            | was already Denied",
                "change-subject                | spec.subject of a QueryApproval cannot change; only spec.decision and spec.comment can",
                "remove-reviewed-annotations   | annotation pgwarden.dev/reviewed-by cannot be removed",
                "change-reviewed-by            | annotation pgwarden.dev/reviewed-by cannot be changed",
                "add-reviewed-by-while-pending | annotation pgwarden.dev/reviewed-by cannot be added",
                "approve-with-forged-reviewer  | annotation pgwarden.dev/reviewed-by must be the deciding user alice@example.com, was bob@example.com",
                "approve-with-old-stamp        | annotation pgwarden.dev/reviewed-at 2029-06-01T00:00:00Z is not the time of this decision",
                "create-approved               | cannot be created already Approved",
                "create-with-reviewed-by       | are set by pgwarden when a reviewer decides; remove them",
            })
    void refusedWithoutTheStamper(String fixture, String message) {
        AdmissionResponse response = validateOnly(fixture);

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getCode()).isEqualTo(403);
        assertThat(response.getStatus().getMessage()).contains(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"create-pending", "create-without-decision", "comment-while-pending"})
    void allowedWithoutADecision(String fixture) {
        assertThat(validateOnly(fixture).getAllowed()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"create-pending", "comment-while-pending", "back-to-pending", "approved-to-denied"})
    void theStamperLeavesEverythingButADecisionAlone(String fixture) {
        AdmissionResponse response =
                stamper.handle(Fixtures.review("approvals/" + fixture + ".json").getRequest());

        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
    }

    @Test
    void theStamperCannotBeUsedToLaunderAForgedStampAfterTheDecision() {
        // Once decided, the stamper writes nothing, and the validator refuses a changed stamp.
        Outcome outcome = decide("change-reviewed-by");

        assertThat(outcome.annotation(PgwardenAnnotations.REVIEWED_BY)).isEqualTo("bob@example.com");
        assertThat(outcome.validation().getAllowed()).isFalse();
    }
}
