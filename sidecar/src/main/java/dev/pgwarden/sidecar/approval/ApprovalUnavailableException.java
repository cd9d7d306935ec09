package dev.pgwarden.sidecar.approval;

/** The gate cannot create or read requests (for example the Kubernetes API is unreachable). */
public final class ApprovalUnavailableException extends RuntimeException {
    public ApprovalUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
