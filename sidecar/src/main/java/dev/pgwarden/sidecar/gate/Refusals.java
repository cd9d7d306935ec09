package dev.pgwarden.sidecar.gate;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.sidecar.exchange.Refusal;
import dev.pgwarden.sidecar.exchange.StatementDecision;
import dev.pgwarden.sidecar.policy.BuiltInRule;
import dev.pgwarden.sidecar.policy.Verdict;
import dev.pgwarden.sidecar.protocol.SqlState;
import dev.pgwarden.sidecar.sql.Classification;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * The refusals the gate makes on its own, before or beside the policy: each says what the agent
 * can do next. Every one is a value: the statements it covers, how each was decided, and the
 * error the agent gets.
 */
final class Refusals {
    /** A refusal of some statements, with the decision the audit records for each. */
    record Refuse(List<String> statements, List<StatementDecision> decisions, Refusal refusal) {}

    private Refusals() {}

    /** The newest policy is invalid: every statement is refused, saying why, until a valid one is mounted. */
    static Refuse withoutPolicy(List<String> statements, String reason) {
        return of(
                statements,
                BuiltInRule.POLICY,
                reason,
                "no valid policy",
                new Refusal(
                        SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "pgwarden: statement refused: " + reason,
                        "pgwarden refuses every statement while the newest policy is invalid, rather than go on enforcing an older one.",
                        "The policy's owner must fix the DatabaseAccessPolicy; statements run again within seconds of a valid"
                                + " version reaching this pod.",
                        null,
                        null,
                        null));
    }

    /** The masking catalog could not be read: statements cannot be judged for masking. */
    static Refuse catalogFailed(List<String> statements, Throwable cause) {
        Throwable root = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
        return of(
                statements,
                BuiltInRule.CATALOG,
                "pgwarden cannot read the database catalog it needs to mask results",
                "masking catalog unavailable",
                new Refusal(
                        SqlState.SYSTEM_ERROR,
                        "pgwarden: cannot read the database catalog to apply the policy's masking; the statement did not run",
                        String.valueOf(root.getMessage()),
                        "retry in a moment; if it persists, the database refuses pgwarden's" + " catalog connection",
                        null,
                        null,
                        null));
    }

    /** Classification's queue is full: nothing waits unjudged. */
    static Refuse busy(List<String> statements) {
        return of(
                statements,
                BuiltInRule.BUSY,
                "too many statements are waiting to be classified",
                "classifier busy",
                new Refusal(
                        SqlState.INSUFFICIENT_RESOURCES,
                        "pgwarden: too many statements are waiting to be classified",
                        null,
                        "retry the statement in a moment",
                        null,
                        null,
                        null));
    }

    /** The policy is fail-closed and the session cannot be recorded: nothing runs unrecorded. */
    static Refuse unrecordable(List<String> statements, String why) {
        return of(
                statements,
                BuiltInRule.RECORDING,
                why,
                "not recordable",
                new Refusal(
                        SqlState.DISK_FULL,
                        "pgwarden: the statement did not run because it cannot be recorded",
                        why + ".",
                        "The policy's audit.failClosed keeps statements from running unrecorded. Retry in a few minutes;"
                                + " if it persists, the platform team must bring the recording store back.",
                        null,
                        null,
                        null));
    }

    /**
     * The fast-path function call names a function by OID, out of reach of classification: it is
     * refused, and the agent is told to call the function from SQL instead.
     */
    static Refuse functionCall(long oid) {
        String reason = "the fast-path function call protocol names functions by OID, which pgwarden cannot classify";
        return of(
                List.of("-- function call, oid " + oid),
                BuiltInRule.FUNCTION_CALL,
                reason,
                "fast-path function call",
                new Refusal(
                        SqlState.INSUFFICIENT_PRIVILEGE,
                        "pgwarden: the fast-path function call protocol is not allowed",
                        reason,
                        "call the function from SQL instead, for example SELECT function_name(...)",
                        null,
                        null,
                        null));
    }

    /** The policy's own verdict: masking's refusal or a rule's denial. */
    static Refusal forVerdict(Verdict v) {
        return v.builtIn() == BuiltInRule.MASKING ? Refusal.masked(v.reason()) : Refusal.denied(v);
    }

    private static Refuse of(
            List<String> statements, BuiltInRule rule, String reason, String problem, Refusal refusal) {
        Verdict v = Verdict.of(List.of(new Verdict.Match(Action.Deny, rule, reason)));
        List<StatementDecision> decisions = statements.stream()
                .map(s -> StatementDecision.of(Classification.unparseable(problem), v))
                .toList();
        return new Refuse(statements, decisions, refusal);
    }
}
