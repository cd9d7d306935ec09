package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.masking.plan.MaskPlan;
import dev.pgwarden.sidecar.policy.Verdict;
import dev.pgwarden.sidecar.sql.Classification;

/**
 * How the gate decided one statement, carried to its audit event.
 *
 * @param approval the QueryApproval's name when one was involved, else null
 * @param approvalOutcome approved, denied, expired, pending, requested or unavailable; null without approval
 * @param reviewer who decided the approval, when known
 * @param mask how its results are masked; null when the policy masks nothing
 * @param reason why the agent says it runs the statement, in its own words; null when it gave none
 */
public record StatementDecision(
        Classification classification,
        Verdict verdict,
        String approval,
        String approvalOutcome,
        String reviewer,
        MaskPlan mask,
        String reason) {

    public static StatementDecision of(Classification c, Verdict v) {
        return new StatementDecision(c, v, null, null, null, null, null);
    }

    public static StatementDecision of(Classification c, Verdict v, MaskPlan mask) {
        return new StatementDecision(c, v, null, null, null, mask, null);
    }

    public StatementDecision withApproval(String name, String outcome, String reviewer) {
        return new StatementDecision(classification, verdict, name, outcome, reviewer, mask, reason);
    }

    public StatementDecision withReason(String why) {
        return new StatementDecision(classification, verdict, approval, approvalOutcome, reviewer, mask, why);
    }
}
