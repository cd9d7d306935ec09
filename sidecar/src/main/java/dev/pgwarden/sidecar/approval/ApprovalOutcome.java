package dev.pgwarden.sidecar.approval;

/**
 * Where a request stands.
 *
 * @param reviewer who decided, when known (the operator's webhook stamps it in Kubernetes)
 * @param comment the reviewer's comment, or null
 */
public record ApprovalOutcome(String name, State state, String reviewer, String comment) {
    public enum State {
        /** Approved; in Retry mode the approval has now been used up. */
        APPROVED,
        DENIED,
        EXPIRED,
        /** Retry mode: a request for this statement exists and awaits a decision. */
        PENDING,
        /** Retry mode: no request existed, one has just been created. */
        REQUESTED
    }
}
