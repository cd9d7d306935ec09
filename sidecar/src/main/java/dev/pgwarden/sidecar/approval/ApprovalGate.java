package dev.pgwarden.sidecar.approval;

import java.util.concurrent.CompletableFuture;

/**
 * Where held statements go for a human decision. Implementations may block on I/O, so every
 * call returns at once and completes its future elsewhere; the proxy moves the completion back
 * onto the session's event loop. A gate that cannot reach its store fails the future with
 * {@link ApprovalUnavailableException}: the statement is then refused, never run.
 */
public interface ApprovalGate extends AutoCloseable {

    /**
     * Wait mode: creates a request and returns a handle once it exists (its name is what the agent
     * is told to get approved).
     */
    CompletableFuture<PendingApproval> submit(ApprovalRequest request);

    /**
     * Retry mode: if an approved, unused request with the same key exists, marks it used and
     * answers APPROVED; if one is pending, PENDING; if the latest one was denied, DENIED; otherwise
     * creates a request and answers REQUESTED.
     */
    CompletableFuture<ApprovalOutcome> retry(ApprovalRequest request);

    /** The command a reviewer runs to approve the named request, for the agent's notice. */
    default String approveCommand(String name) {
        return "pgwarden approve " + name;
    }

    @Override
    void close();

    /** A submitted request. */
    interface PendingApproval {
        String name();

        /** Completes with APPROVED, DENIED or EXPIRED (at the request's expiresAt). */
        CompletableFuture<ApprovalOutcome> outcome();

        /** The agent left or the wait ended otherwise: the request is withdrawn. */
        void withdraw();

        /** An approved statement ran: records whether it succeeded (phase Executed or Failed). */
        void executed(boolean succeeded);
    }
}
