package dev.pgwarden.sidecar.gate;

import dev.pgwarden.api.v1alpha1.ApprovalMode;
import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import dev.pgwarden.sidecar.approval.ApprovalGate;
import dev.pgwarden.sidecar.approval.ObjectEstimates;
import dev.pgwarden.sidecar.masking.MaskingEngine;
import dev.pgwarden.sidecar.policy.StatementPolicy;
import dev.pgwarden.sidecar.sql.ClassifierPool;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * What a session's gate needs to decide statements. Everything that comes from the policy is read
 * through {@link #live}, the version the session applies now (policies are reloaded while
 * sessions run).
 *
 * @param recordingProblem why statements cannot be recorded now, or null; refuses new statements
 *     when the policy's audit.failClosed is on
 * @param estimates reads what a DROP or TRUNCATE held for approval would remove, for its request;
 *     null to file requests without
 */
public record GateContext(
        PolicyPin live,
        ClassifierPool classifier,
        ApprovalGate approvals,
        ApprovalSubject subject,
        String session,
        Clock clock,
        Supplier<String> recordingProblem,
        ObjectEstimates estimates) {

    String policyName() {
        return live.version().name();
    }

    StatementPolicy policy() {
        return live.version().statements();
    }

    ApprovalMode approvalMode() {
        return live.version().approvalMode();
    }

    /** How long a request stays open (the policy's approval.timeout). */
    Duration approvalTimeout() {
        return live.version().approvalTimeout();
    }

    MaskingEngine masking() {
        return live.version().masking();
    }

    /** Why statements cannot be recorded now when that must refuse them, else a supplier of null. */
    Supplier<String> cannotRecord() {
        return () -> live.version().auditFailClosed() ? recordingProblem.get() : null;
    }
}
