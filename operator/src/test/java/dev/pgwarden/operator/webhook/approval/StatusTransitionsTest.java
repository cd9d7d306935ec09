package dev.pgwarden.operator.webhook.approval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.ApprovalPhase;
import dev.pgwarden.operator.webhook.Fixtures;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** AdmissionReview fixtures for {@code queryapprovals/status} updates, as the sidecar's service account sends them. */
class StatusTransitionsTest {
    private final StatusTransitions transitions = new StatusTransitions();

    private AdmissionResponse run(String fixture) {
        return transitions.handle(
                Fixtures.review("approvals/status-" + fixture + ".json").getRequest());
    }

    @ParameterizedTest
    @CsvSource({"approved-to-executed", "pending-to-approved"})
    void forwardMovesAreAdmitted(String fixture) {
        assertThat(run(fixture).getAllowed()).isTrue();
    }

    @Test
    void aUsedApprovalCannotBeMadePendingAgain() {
        AdmissionResponse response = run("executed-to-pending");
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage())
                .contains("cannot go from Executed to Pending")
                .contains("ask again for a new approval");
    }

    @Test
    void aDenialStaysADenial() {
        assertThat(run("denied-to-approved").getAllowed()).isFalse();
    }

    @Test
    void theReviewerIsOnlyEverTheStampedOne() {
        assertThat(run("forged-reviewer").getStatus().getMessage()).contains("can only repeat the reviewer");
        assertThat(run("reviewer-erased").getStatus().getMessage()).contains("never change");
    }

    @Test
    void terminalPhasesHaveNoWayOut() {
        for (ApprovalPhase terminal : new ApprovalPhase[] {
            ApprovalPhase.Denied, ApprovalPhase.Expired, ApprovalPhase.Executed, ApprovalPhase.Failed
        }) {
            for (ApprovalPhase next : ApprovalPhase.values()) {
                assertThat(StatusTransitions.allowed(terminal, next))
                        .as("%s -> %s", terminal, next)
                        .isEqualTo(next == terminal);
            }
        }
        assertThat(StatusTransitions.allowed(ApprovalPhase.Approved, ApprovalPhase.Pending))
                .isFalse();
        assertThat(StatusTransitions.allowed(ApprovalPhase.Approved, ApprovalPhase.Executed))
                .isTrue();
    }
}
