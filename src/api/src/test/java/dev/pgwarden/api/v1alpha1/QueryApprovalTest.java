package dev.pgwarden.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueryApprovalTest {

    @Test
    void aFreshRequestIsPendingInDecisionAndPhase() {
        QueryApproval bare = new QueryApproval();
        assertThat(bare.decisionOrPending()).isEqualTo(Decision.Pending);
        assertThat(bare.phaseOrPending()).isEqualTo(ApprovalPhase.Pending);

        QueryApproval filed = approval(null, "2030-01-01T00:00:00Z");
        filed.setStatus(new QueryApprovalStatus(null, null, null));
        assertThat(filed.decisionOrPending()).isEqualTo(Decision.Pending);
        assertThat(filed.phaseOrPending()).isEqualTo(ApprovalPhase.Pending);
    }

    @Test
    void decisionAndPhaseAreReadAsWritten() {
        QueryApproval decided = approval(Decision.Denied, "2030-01-01T00:00:00Z");
        decided.setStatus(new QueryApprovalStatus(ApprovalPhase.Denied, "bob", null));
        assertThat(decided.decisionOrPending()).isEqualTo(Decision.Denied);
        assertThat(decided.phaseOrPending()).isEqualTo(ApprovalPhase.Denied);
    }

    @Test
    void anUnreadableExpiryIsLongPast() {
        assertThat(approval(null, "2030-01-01T00:00:00Z").expiresAtOrEpoch())
                .isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
        assertThat(approval(null, "next tuesday").expiresAtOrEpoch()).isEqualTo(Instant.EPOCH);
        assertThat(approval(null, null).expiresAtOrEpoch()).isEqualTo(Instant.EPOCH);
        assertThat(new QueryApproval().expiresAtOrEpoch()).isEqualTo(Instant.EPOCH);
    }

    @Test
    void annotationsAreReadNullSafe() {
        QueryApproval approval = approval(null, null);
        assertThat(approval.annotation("pgwarden.dev/reason")).isNull();
        approval.setMetadata(new ObjectMetaBuilder()
                .addToAnnotations("pgwarden.dev/reason", "why")
                .build());
        assertThat(approval.annotation("pgwarden.dev/reason")).isEqualTo("why");
        QueryApproval noMetadata = new QueryApproval();
        noMetadata.setMetadata(null);
        assertThat(noMetadata.annotation("pgwarden.dev/reason")).isNull();
    }

    private static QueryApproval approval(Decision decision, String expiresAt) {
        QueryApproval approval = new QueryApproval();
        approval.setSpec(new QueryApprovalSpec(
                "p",
                "r",
                new ApprovalSubject(null, "s", null, null),
                "sess",
                "SELECT 1",
                List.of(),
                "sha256:x",
                expiresAt,
                decision,
                null,
                null,
                null,
                null));
        return approval;
    }
}
