package dev.pgwarden.sidecar.approval;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Failures of the Kubernetes API in words a person can act on, and as the gate reports them. */
final class ApiFailures {
    /** How long the first sync of the watch may take before a submit fails. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private static final String ADVICE = "; the statement was not run. Check that the Kubernetes API server is"
            + " reachable and that the sidecar's service account may get, list, watch, create, patch and delete"
            + " queryapprovals.pgwarden.dev and update queryapprovals/status";

    private ApiFailures() {}

    /** What refuses the statement: what could not be done, where, why, and what to check. */
    static ApprovalUnavailableException unavailable(String namespace, String what, Throwable cause) {
        return new ApprovalUnavailableException(
                "cannot " + what + " in namespace " + namespace + ": " + reason(cause) + ADVICE, cause);
    }

    /** What went wrong: the HTTP status, or the network error. */
    static String reason(Throwable error) {
        Throwable e = error;
        while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof KubernetesClientException k && k.getCode() > 0) {
            String message = k.getStatus() != null && k.getStatus().getMessage() != null
                    ? k.getStatus().getMessage()
                    : k.getMessage();
            return "the API server answered HTTP " + k.getCode() + " (" + message + ")";
        }
        if (e instanceof TimeoutException) {
            return "no answer within " + START_TIMEOUT.toSeconds() + "s";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null
                ? root.getClass().getSimpleName()
                : root.getClass().getSimpleName() + ": " + message;
    }
}
