package dev.pgwarden.api.cluster;

/**
 * Every annotation pgwarden reads or writes. Like {@link PgwardenLabels}, these names are a
 * contract with users' manifests and with objects already in clusters: defined here once.
 */
public final class PgwardenAnnotations {
    /** On a pod: the DatabaseAccessPolicy (in the pod's namespace) its sidecar enforces. */
    public static final String POLICY = "pgwarden.dev/policy";
    /** On a pod: set to {@link #INJECTION_DONE} by the webhook, so a second pass changes nothing. */
    public static final String INJECTION_STATUS = "pgwarden.dev/status";

    public static final String INJECTION_DONE = "injected";
    /** On a pod: {@code "true"} keeps the Kubernetes API token mounted into the agent's containers. */
    public static final String AGENT_API_TOKEN = "pgwarden.dev/agent-api-token";

    /** On a QueryApproval: who decided, stamped by the operator's webhook from the request's user. */
    public static final String REVIEWED_BY = "pgwarden.dev/reviewed-by";
    /** On a QueryApproval: when the decision was made, stamped with {@link #REVIEWED_BY}. */
    public static final String REVIEWED_AT = "pgwarden.dev/reviewed-at";
    /** On a QueryApproval: why the policy held the statement; the spec has no field for it. */
    public static final String APPROVAL_REASON = "pgwarden.dev/reason";
    /**
     * On a QueryApproval: creation time with sub-second precision. creationTimestamp has whole
     * seconds only, and Retry mode must tell which of two requests made in one second is the newest.
     */
    public static final String REQUESTED_AT = "pgwarden.dev/requested-at";

    /** On a DatabaseAccessPolicy: {@code "true"} lets it be deleted without dropping its roles (its database is gone). */
    public static final String SKIP_DATABASE_CLEANUP = "pgwarden.dev/skip-database-cleanup";

    private PgwardenAnnotations() {}
}
