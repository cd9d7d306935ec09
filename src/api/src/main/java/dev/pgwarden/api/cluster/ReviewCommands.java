package dev.pgwarden.api.cluster;

/**
 * The {@code kubectl} commands that decide a QueryApproval, as README and the chart's notes show
 * them. The sidecar puts the approve command in the agent's notice and the operator puts both in
 * reviewers' notifications: one text, so what reviewers are told to run is what works.
 */
public final class ReviewCommands {
    /** Where the reviewer writes why, in the deny command. */
    public static final String DENY_COMMENT_PLACEHOLDER = "REASON";

    private ReviewCommands() {}

    /** A merge patch of {@code spec.decision}; the operator's webhook stamps who ran it. */
    public static String approve(String namespace, String name) {
        return patch(namespace, name, "{\"spec\":{\"decision\":\"Approved\"}}");
    }

    /** As {@link #approve}, with a comment the agent gets in its error, to be filled in. */
    public static String deny(String namespace, String name) {
        return patch(
                namespace,
                name,
                "{\"spec\":{\"decision\":\"Denied\",\"comment\":\"" + DENY_COMMENT_PLACEHOLDER + "\"}}");
    }

    private static String patch(String namespace, String name, String body) {
        return "kubectl -n " + namespace + " patch queryapproval " + name + " --type merge -p '" + body + "'";
    }
}
