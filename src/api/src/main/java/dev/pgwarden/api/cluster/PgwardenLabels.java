package dev.pgwarden.api.cluster;

/**
 * Every label pgwarden puts on or selects Kubernetes objects by. Users' manifests, the Helm chart
 * and objects already in clusters carry these names, so they are a contract: the operator, the
 * sidecar and the CLI import them from here and never spell them again.
 */
public final class PgwardenLabels {
    /** On a pod: {@code "true"} asks the webhook to inject the sidecar (the chart's objectSelector). */
    public static final String INJECT = "pgwarden.dev/inject";
    /**
     * On what pgwarden makes for a policy (credentials Secret, RoleBinding, QueryApprovals): the
     * policy's name, or a hash of it where a QueryApproval's label value could not hold it.
     */
    public static final String POLICY = "pgwarden.dev/policy";
    /** On a Secret: {@code "true"} is its owner's consent that policies may log in with it. */
    public static final String ADMIN_SECRET = "pgwarden.dev/admin-secret";
    /** On a QueryApproval: a hash of the request key, so Retry mode finds the request for a statement. */
    public static final String APPROVAL_KEY = "pgwarden.dev/key";
    /** On a QueryApproval: the pod that filed it, so each sidecar watches its own requests only. */
    public static final String APPROVAL_POD = "pgwarden.dev/pod";

    /** The well-known label saying which tool manages an object; pgwarden's objects carry {@link #MANAGED_BY_PGWARDEN}. */
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

    public static final String MANAGED_BY_PGWARDEN = "pgwarden";

    private PgwardenLabels() {}
}
