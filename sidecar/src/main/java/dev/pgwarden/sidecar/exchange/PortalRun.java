package dev.pgwarden.sidecar.exchange;

import java.util.List;

/**
 * An Execute of a portal, run for real ({@link ExecuteRequest}) or as a trial ({@link
 * TrialExecute}): what both know of the statement, and how both record its end.
 */
abstract sealed class PortalRun extends PendingRequest permits ExecuteRequest, TrialExecute {
    private final String portal;
    private final String sql;
    private final List<String> parameters;
    private final StatementDecision decision;
    private final PendingChanges changes;

    PortalRun(String portal, String sql, List<String> parameters, StatementDecision decision, PendingChanges changes) {
        this.portal = portal;
        this.sql = sql;
        this.parameters = parameters;
        this.decision = decision;
        this.changes = changes;
    }

    /** The portal whose rows arrive now. */
    String portal() {
        return portal;
    }

    /** The statement's audit event, with how it ended. */
    void audit(Exchange x, String outcome, String tag, long nanos, String sqlState, String message) {
        x.audit().statement("extended", sql, parameters, outcome, tag, nanos, sqlState, message, decision);
    }

    /** It ran: what it changed stands, and the session's objects follow its command tag. */
    void ran(Exchange x, String tag) {
        changes.completed(tag);
        x.objects().completed(decision == null ? null : decision.classification(), sql, tag);
    }

    /** It did not run, or what it did is undone. */
    void changedNothing() {
        changes.failed();
    }

    long sinceStart() {
        return System.nanoTime() - startNanos;
    }

    @Override
    void interrupted(Exchange x) {
        audit(x, "interrupted", null, sinceStart(), null, null);
        changedNothing();
    }

    @Override
    StatementDecision decision() {
        return decision;
    }

    @Override
    String sql() {
        return sql;
    }

    @Override
    List<String> parameters() {
        return parameters;
    }
}
