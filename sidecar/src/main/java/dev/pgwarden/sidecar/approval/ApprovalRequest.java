package dev.pgwarden.sidecar.approval;

import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import dev.pgwarden.api.v1alpha1.ObjectEstimate;
import java.time.Instant;
import java.util.List;

/**
 * A statement the policy holds for a human decision.
 *
 * @param key identifies the exact statement for this subject (policy, subject, text and
 *     parameters hashed): an approval only ever covers a request with the same key
 * @param fingerprint {@code sha256:} hex of the statement text and parameters, for reviewers
 * @param statement the text as the agent sent it (for EXECUTE, with the prepared body appended)
 * @param parameters bound parameters rendered as text, or empty
 * @param reason why the policy holds it (the rule's explanation)
 * @param agentReason why the agent says it runs it, in its own words ({@code spec.reason}); null when it gave none
 * @param rowsChanged rows its trial run changed ({@code spec.rowsChanged}); null when it had none
 * @param estimates for a DROP or TRUNCATE, what each object it names holds ({@code spec.estimates});
 *     empty for other statements
 */
public record ApprovalRequest(
        String policy,
        String rule,
        String reason,
        ApprovalSubject subject,
        String session,
        String statement,
        List<String> parameters,
        String key,
        String fingerprint,
        Instant expiresAt,
        String agentReason,
        Long rowsChanged,
        List<ObjectEstimate> estimates) {

    /** The same request with the catalog's estimates of what it drops or empties. */
    public ApprovalRequest withEstimates(List<ObjectEstimate> estimates) {
        return new ApprovalRequest(
                policy,
                rule,
                reason,
                subject,
                session,
                statement,
                parameters,
                key,
                fingerprint,
                expiresAt,
                agentReason,
                rowsChanged,
                List.copyOf(estimates));
    }
}
