package dev.pgwarden.sidecar.policy.live;

import dev.pgwarden.api.policy.SessionLimits;
import dev.pgwarden.api.v1alpha1.ApprovalMode;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.sidecar.identity.TokenVerifier;
import dev.pgwarden.sidecar.masking.MaskingEngine;
import dev.pgwarden.sidecar.policy.StatementPolicy;
import java.time.Duration;

/**
 * One version of the policy as sessions apply it, built once when the policy is loaded and never
 * changed: everything a statement or a new connection reads from the policy comes from here, so
 * a reload swaps one reference and no session ever sees half of an old policy and half of a new.
 *
 * @param generation counts the policy versions this sidecar applied, from 1
 * @param statements the rules, access mode and onUnparseable
 * @param masking the masking rules with their catalog (shared with the previous version when the
 *     rules and the key did not change)
 * @param verifier accepts the subjects this version names
 * @param approvalTimeout how long a request for approval stays open
 * @param auditFailClosed refuse statements that cannot be recorded
 * @param limits the policy's limits, read once
 */
public record PolicyVersion(
        long generation,
        DatabaseAccessPolicy policy,
        StatementPolicy statements,
        MaskingEngine masking,
        TokenVerifier verifier,
        ApprovalMode approvalMode,
        Duration approvalTimeout,
        boolean auditFailClosed,
        SessionLimits limits) {

    public static final Duration DEFAULT_APPROVAL_TIMEOUT = Duration.ofMinutes(10);

    public String name() {
        return policy.getMetadata().getName();
    }
}
