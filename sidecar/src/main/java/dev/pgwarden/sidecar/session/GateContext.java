package dev.pgwarden.sidecar.session;

import dev.pgwarden.api.v1alpha1.ApprovalMode;
import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import dev.pgwarden.sidecar.approval.ApprovalGate;
import dev.pgwarden.sidecar.policy.StatementPolicy;
import dev.pgwarden.sidecar.sql.ClassifierPool;
import java.time.Clock;
import java.time.Duration;

/**
 * What a session's gate needs to decide statements.
 *
 * @param approvalTimeout how long a request stays open (the policy's approval.timeout)
 * @param cannotRecord why statements cannot be recorded now, or null: a non-null answer refuses
 *     new statements (the policy's audit.failClosed)
 */
record GateContext(
    String policyName,
    StatementPolicy policy,
    ClassifierPool classifier,
    ApprovalGate approvals,
    ApprovalMode approvalMode,
    Duration approvalTimeout,
    ApprovalSubject subject,
    String session,
    Clock clock,
    dev.pgwarden.sidecar.masking.MaskingEngine masking,
    java.util.function.Supplier<String> cannotRecord) {
}
