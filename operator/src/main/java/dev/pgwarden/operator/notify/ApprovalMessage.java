package dev.pgwarden.operator.notify;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.cluster.ReviewCommands;
import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import dev.pgwarden.api.v1alpha1.ObjectEstimate;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.api.v1alpha1.QueryApprovalSpec;
import java.util.List;

/**
 * What reviewers are told of one request, read from the QueryApproval alone. The statement and
 * parameters are taken as the sidecar filed them, which is the audit's form: a statement that may
 * hold masked values is already its fingerprint, its parameters {@code [redacted]}. Nothing here
 * looks anywhere else, so nothing masked can reach a channel.
 *
 * @param reason the agent's own words ({@code spec.reason}), or null
 * @param heldBecause why the policy held it (annotation {@code pgwarden.dev/reason}); for a
 *     {@code changesMoreThan} rule it says how many rows the trial run changed
 * @param rowsChanged rows the statement's trial run changed ({@code spec.rowsChanged}), or null
 * @param estimates what a DROP or TRUNCATE would remove ({@code spec.estimates}); empty for others
 */
record ApprovalMessage(
        String namespace,
        String name,
        String policy,
        String rule,
        ApprovalSubject subject,
        String pod,
        String session,
        String statement,
        List<String> parameters,
        String fingerprint,
        String reason,
        String heldBecause,
        Long rowsChanged,
        List<ObjectEstimate> estimates,
        String requestedAt,
        String expiresAt,
        String approveCommand,
        String denyCommand) {

    static ApprovalMessage of(QueryApproval approval) {
        String namespace = approval.getMetadata().getNamespace();
        String name = approval.getMetadata().getName();
        QueryApprovalSpec spec = approval.getSpec();
        ApprovalSubject subject = spec.subject();
        String requestedAt = approval.annotation(PgwardenAnnotations.REQUESTED_AT);
        return new ApprovalMessage(
                namespace,
                name,
                spec.policy(),
                spec.rule(),
                subject,
                subject == null ? null : subject.pod(),
                spec.session(),
                spec.statement(),
                spec.parameters() == null ? List.of() : spec.parameters(),
                spec.fingerprint(),
                spec.reason(),
                approval.annotation(PgwardenAnnotations.APPROVAL_REASON),
                spec.rowsChanged(),
                spec.estimates() == null ? List.of() : spec.estimates(),
                requestedAt != null ? requestedAt : approval.getMetadata().getCreationTimestamp(),
                spec.expiresAt(),
                ReviewCommands.approve(namespace, name),
                ReviewCommands.deny(namespace, name));
    }

    /** Who asked, in one phrase: the service account, else the token's subject. */
    String requester() {
        if (subject == null) {
            return "unknown";
        }
        if (subject.serviceAccount() != null) {
            return subject.serviceAccount();
        }
        return subject.subject() == null ? "unknown" : subject.subject();
    }
}
