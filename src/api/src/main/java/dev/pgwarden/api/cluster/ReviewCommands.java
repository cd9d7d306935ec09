package dev.pgwarden.api.cluster;

import dev.pgwarden.api.v1alpha1.Decision;

/**
 * The two {@code kubectl} commands a reviewer is shown for a QueryApproval (the agent's notice,
 * reviewers' notifications), both {@link DecisionPatch}'s command line: what people are told to
 * run is what {@code kubectl pgwarden approve|deny} sends.
 */
public final class ReviewCommands {
    /** Where the reviewer writes why, in the deny command. */
    public static final String DENY_COMMENT_PLACEHOLDER = "REASON";

    private ReviewCommands() {}

    public static String approve(String namespace, String name) {
        return DecisionPatch.kubectlCommand(namespace, name, Decision.Approved, null);
    }

    /** As {@link #approve}, with a comment the agent gets in its error, to be filled in. */
    public static String deny(String namespace, String name) {
        return DecisionPatch.kubectlCommand(namespace, name, Decision.Denied, DENY_COMMENT_PLACEHOLDER);
    }
}
