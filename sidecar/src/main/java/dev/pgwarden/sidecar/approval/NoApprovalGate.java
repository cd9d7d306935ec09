package dev.pgwarden.sidecar.approval;

import java.util.concurrent.CompletableFuture;

/** Used when no gate is configured: every statement that needs approval is refused, never run. */
public final class NoApprovalGate implements ApprovalGate {
    private static final String WHY = "no approval gate is configured for this pgwarden";

    @Override
    public CompletableFuture<PendingApproval> submit(ApprovalRequest request) {
        return CompletableFuture.failedFuture(new ApprovalUnavailableException(WHY, null));
    }

    @Override
    public CompletableFuture<ApprovalOutcome> retry(ApprovalRequest request) {
        return CompletableFuture.failedFuture(new ApprovalUnavailableException(WHY, null));
    }

    @Override
    public void close() {}
}
