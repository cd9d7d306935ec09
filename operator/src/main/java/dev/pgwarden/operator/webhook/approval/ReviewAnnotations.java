package dev.pgwarden.operator.webhook.approval;

import dev.pgwarden.api.v1alpha1.Decision;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import java.util.Map;

/** The annotations the mutating webhook stamps on a decision, and small readers over approvals. */
public final class ReviewAnnotations {
  public static final String REVIEWED_BY = "pgwarden.dev/reviewed-by";
  public static final String REVIEWED_AT = "pgwarden.dev/reviewed-at";

  private ReviewAnnotations() {
  }

  static String get(QueryApproval approval, String key) {
    Map<String, String> annotations = approval.getMetadata() == null ? null : approval.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }

  /** An absent decision means Pending: the sidecar may create approvals without one. */
  static Decision decision(QueryApproval approval) {
    Decision decision = approval.getSpec() == null ? null : approval.getSpec().decision();
    return decision == null ? Decision.Pending : decision;
  }

  /** True when this update is the one decision an approval ever gets. */
  static boolean decides(QueryApproval before, QueryApproval after) {
    return decision(before) == Decision.Pending && decision(after) != Decision.Pending;
  }
}
