package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.policy.Verdict;
import dev.pgwarden.sidecar.protocol.SqlState;

/**
 * The error an agent gets instead of running a statement: it says which rule or reviewer decided
 * and what the agent can do next.
 *
 * @param approval the QueryApproval involved, or null
 * @param approvalOutcome denied, expired, pending, requested or unavailable; null without approval
 */
public record Refusal(
        String sqlState,
        String message,
        String detail,
        String hint,
        String approval,
        String approvalOutcome,
        String reviewer) {

    /** Masking refused the statement: the reason says what would leak and how to write it instead. */
    public static Refusal masked(String reason) {
        return new Refusal(
                SqlState.INSUFFICIENT_PRIVILEGE,
                "pgwarden: statement refused to keep masked columns masked",
                "Refused because " + reason + ".",
                "The policy masks some columns; rewrite the statement as the detail says, or ask the policy's owner.",
                null,
                null,
                null);
    }

    public static Refusal denied(Verdict v) {
        boolean builtIn = v.builtIn() != null;
        return new Refusal(
                SqlState.INSUFFICIENT_PRIVILEGE,
                "pgwarden: statement denied by " + (builtIn ? "guard " : "rule ") + v.rule(),
                "Denied because " + v.reason() + ".",
                v.rule().equals("onUnparseable")
                        ? "pgwarden only runs statements it can classify: check the syntax, or write the statement in a more common form."
                        : builtIn
                                ? "pgwarden never lets this through; do it another way, or ask a DBA to do it."
                                : "The policy never allows this statement: rewrite it, or ask the policy's owner to change rule "
                                        + v.rule() + ".",
                null,
                null,
                null);
    }
}
