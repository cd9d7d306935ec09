package dev.pgwarden.operator.approval;

import dev.pgwarden.api.v1alpha1.ApprovalPhase;
import dev.pgwarden.api.v1alpha1.Decision;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.operator.webhook.approval.ReviewAnnotations;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Reads a QueryApproval the way the approval reconciler needs it. The reviewer annotations are
 * written by the operator's mutating webhook from the authenticated request, never by users (the
 * validating webhook refuses forged ones).
 */
public final class ApprovalReview {
  public static final String REVIEWED_BY_ANNOTATION = ReviewAnnotations.REVIEWED_BY;
  public static final String REVIEWED_AT_ANNOTATION = ReviewAnnotations.REVIEWED_AT;

  private ApprovalReview() {
  }

  public static Decision decision(QueryApproval approval) {
    Decision decision = approval.getSpec() == null ? null : approval.getSpec().decision();
    return decision == null ? Decision.Pending : decision;
  }

  public static ApprovalPhase phase(QueryApproval approval) {
    return approval.getStatus() == null || approval.getStatus().phase() == null ? ApprovalPhase.Pending
        : approval.getStatus().phase();
  }

  public static String annotation(QueryApproval approval, String key) {
    Map<String, String> annotations = approval.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }

  /** An unreadable expiry counts as past, as in the sidecar: fail closed. */
  public static Instant expiresAt(QueryApproval approval) {
    try {
      return Instant.parse(approval.getSpec().expiresAt());
    } catch (DateTimeParseException | NullPointerException e) {
      return Instant.EPOCH;
    }
  }

  /** When the approval stopped being open: its review, else its expiry; the start of its retention. */
  public static Instant closedAt(QueryApproval approval) {
    String reviewed = approval.getStatus() == null ? null : approval.getStatus().reviewedAt();
    if (reviewed == null) {
      reviewed = annotation(approval, REVIEWED_AT_ANNOTATION);
    }
    if (reviewed != null) {
      try {
        return Instant.parse(reviewed);
      } catch (DateTimeParseException e) {
        // fall through to the expiry
      }
    }
    return expiresAt(approval);
  }
}
