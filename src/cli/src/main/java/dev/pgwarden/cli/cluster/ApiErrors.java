package dev.pgwarden.cli.cluster;

import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The API server's refusals in words a reviewer can act on. An admission webhook's refusal is
 * passed through as the webhook wrote it (pgwarden's webhook says why and what to do instead).
 */
final class ApiErrors {
    /** How the API server introduces a webhook's message: {@code admission webhook "x" denied the request: ...}. */
    private static final String WEBHOOK_DENIAL = "denied the request: ";

    private ApiErrors() {}

    /**
     * @param what the object the request was about, "QueryApproval pgw-x in namespace agents"
     * @param verb what the user may not do to it, as RBAC names it: "list", "patch"
     * @param resource the resource as RBAC names it: "queryapprovals.pgwarden.dev", "secrets"
     */
    static ClusterException explain(KubernetesClientException e, String what, String verb, String resource) {
        String message = e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage()
                : String.valueOf(e.getMessage());
        int denial = message.indexOf(WEBHOOK_DENIAL);
        if (denial >= 0) {
            String reason = message.substring(denial + WEBHOOK_DENIAL.length());
            return new ClusterException(
                    "refused by the cluster: " + (reason.startsWith("pgwarden: ") ? reason.substring(10) : reason));
        }
        return new ClusterException(
                switch (e.getCode()) {
                    case 401 ->
                        "the cluster did not accept your kubeconfig's credentials (" + message
                                + "); log in again or choose another --context";
                    case 403 ->
                        "forbidden: " + message + ". You need RBAC permission to " + verb
                                + " queryapprovals.pgwarden.dev there";
                    case 404 ->
                        "no " + what
                                + " (if the whole kind is missing, pgwarden's CRDs are not installed in this cluster)";
                    case 0, -1 -> "cannot reach the cluster: " + rootCause(e);
                    default -> "the cluster answered " + e.getCode() + " about " + what + ": " + message;
                });
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + cause + ")";
    }
}
