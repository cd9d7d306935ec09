package dev.pgwarden.operator.approval;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * When a QueryApproval's retention starts. The reviewer annotations are written by the operator's
 * mutating webhook from the authenticated request, never by users (the validating webhook refuses
 * forged ones).
 */
final class ApprovalReview {
    private ApprovalReview() {}

    /** When the approval stopped being open: its review, else its expiry; the start of its retention. */
    static Instant closedAt(QueryApproval approval) {
        String reviewed =
                approval.getStatus() == null ? null : approval.getStatus().reviewedAt();
        if (reviewed == null) {
            reviewed = approval.annotation(PgwardenAnnotations.REVIEWED_AT);
        }
        if (reviewed != null) {
            try {
                return Instant.parse(reviewed);
            } catch (DateTimeParseException e) {
                // fall through to the expiry
            }
        }
        return approval.expiresAtOrEpoch();
    }
}
