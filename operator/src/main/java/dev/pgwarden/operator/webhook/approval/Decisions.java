package dev.pgwarden.operator.webhook.approval;

import dev.pgwarden.api.v1alpha1.Decision;
import dev.pgwarden.api.v1alpha1.QueryApproval;

/** Tells the one update that decides an approval from every other update. */
final class Decisions {
    private Decisions() {}

    /** True when this update is the one decision an approval ever gets. */
    static boolean decides(QueryApproval before, QueryApproval after) {
        return before.decisionOrPending() == Decision.Pending && after.decisionOrPending() != Decision.Pending;
    }
}
