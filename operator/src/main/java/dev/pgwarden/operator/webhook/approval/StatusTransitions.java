package dev.pgwarden.operator.webhook.approval;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.v1alpha1.ApprovalPhase;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.api.v1alpha1.QueryApprovalStatus;
import dev.pgwarden.operator.webhook.admission.Admission;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.javaoperatorsdk.webhook.admission.AdmissionRequestHandler;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@code /validate-queryapproval-status}: a QueryApproval's status only moves forward. Whoever
 * may write the status (the sidecar's service account) could otherwise turn an Executed approval
 * back to Pending, have the operator mark it Approved again, and use a one-time approval twice.
 * The reviewer fields, once set, never change, and can only repeat the webhook's own stamp.
 */
public final class StatusTransitions implements AdmissionRequestHandler {
    private static final Map<ApprovalPhase, Set<ApprovalPhase>> NEXT = Map.of(
            ApprovalPhase.Pending, EnumSet.allOf(ApprovalPhase.class),
            ApprovalPhase.Approved,
                    EnumSet.of(
                            ApprovalPhase.Approved,
                            ApprovalPhase.Executed,
                            ApprovalPhase.Failed,
                            ApprovalPhase.Expired),
            ApprovalPhase.Denied, EnumSet.of(ApprovalPhase.Denied),
            ApprovalPhase.Expired, EnumSet.of(ApprovalPhase.Expired),
            ApprovalPhase.Executed, EnumSet.of(ApprovalPhase.Executed),
            ApprovalPhase.Failed, EnumSet.of(ApprovalPhase.Failed));

    @Override
    public AdmissionResponse handle(AdmissionRequest request) {
        if (!"UPDATE".equals(String.valueOf(request.getOperation()))) {
            return Admission.allowed();
        }
        QueryApproval before = Admission.oldObject(request, QueryApproval.class);
        QueryApproval after = Admission.object(request, QueryApproval.class);
        if (before == null || after == null) {
            return Admission.refused("pgwarden: the status update carries no QueryApproval");
        }
        String name =
                after.getMetadata() == null ? "" : " " + after.getMetadata().getName();
        ApprovalPhase was = phase(before.getStatus());
        ApprovalPhase now = phase(after.getStatus());
        if (!allowed(was, now)) {
            return Admission.refused("pgwarden: QueryApproval" + name + " cannot go from " + was + " to " + now
                    + ": a request's status only moves forward (Pending, then Approved or Denied or Expired, then Executed"
                    + " or Failed); ask again for a new approval instead");
        }
        String reviewerBefore =
                before.getStatus() == null ? null : before.getStatus().reviewedBy();
        String reviewerAfter =
                after.getStatus() == null ? null : after.getStatus().reviewedBy();
        String reviewedAtBefore =
                before.getStatus() == null ? null : before.getStatus().reviewedAt();
        String reviewedAtAfter =
                after.getStatus() == null ? null : after.getStatus().reviewedAt();
        if (reviewerBefore != null && !reviewerBefore.equals(reviewerAfter)
                || reviewedAtBefore != null && !reviewedAtBefore.equals(reviewedAtAfter)) {
            return Admission.refused("pgwarden: QueryApproval" + name
                    + " already records its reviewer; status.reviewedBy" + " and status.reviewedAt never change");
        }
        if (reviewerAfter != null && !reviewerAfter.equals(after.annotation(PgwardenAnnotations.REVIEWED_BY))
                || reviewedAtAfter != null
                        && !reviewedAtAfter.equals(after.annotation(PgwardenAnnotations.REVIEWED_AT))) {
            return Admission.refused(
                    "pgwarden: QueryApproval" + name + ": status.reviewedBy and status.reviewedAt can only"
                            + " repeat the reviewer pgwarden's webhook stamped (annotations "
                            + PgwardenAnnotations.REVIEWED_BY + ", "
                            + PgwardenAnnotations.REVIEWED_AT + ")");
        }
        return Admission.allowed();
    }

    private static ApprovalPhase phase(QueryApprovalStatus status) {
        return status == null || status.phase() == null ? ApprovalPhase.Pending : status.phase();
    }

    static boolean allowed(ApprovalPhase from, ApprovalPhase to) {
        return Objects.requireNonNull(NEXT.get(from)).contains(to);
    }
}
