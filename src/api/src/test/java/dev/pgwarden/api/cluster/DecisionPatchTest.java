package dev.pgwarden.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.v1alpha1.Decision;
import org.junit.jupiter.api.Test;

/** The patch is a contract with reviewers' scripts and with the operator's webhook: pinned here. */
class DecisionPatchTest {

    @Test
    void approvalIsTheDecisionAlone() {
        assertThat(DecisionPatch.json(Decision.Approved, null)).isEqualTo("{\"spec\":{\"decision\":\"Approved\"}}");
    }

    @Test
    void aCommentIsEscapedAsJson() {
        assertThat(DecisionPatch.json(Decision.Denied, "say \"why\"\n"))
                .isEqualTo("{\"spec\":{\"decision\":\"Denied\",\"comment\":\"say \\\"why\\\"\\n\"}}");
    }

    @Test
    void theKubectlCommandQuotesThePatchForTheShell() {
        assertThat(DecisionPatch.kubectlCommand("agents", "NAME", Decision.Approved, null))
                .isEqualTo("kubectl -n agents patch queryapproval NAME --type merge -p"
                        + " '{\"spec\":{\"decision\":\"Approved\"}}'");
        assertThat(DecisionPatch.kubectlCommand("agents", "pgw-1", Decision.Denied, "it's late"))
                .endsWith(" -p '{\"spec\":{\"decision\":\"Denied\",\"comment\":\"it'\\''s late\"}}'");
    }

    @Test
    void pendingIsNotADecision() {
        assertThatThrownBy(() -> DecisionPatch.json(Decision.Pending, null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
