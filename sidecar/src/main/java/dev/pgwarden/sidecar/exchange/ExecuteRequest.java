package dev.pgwarden.sidecar.exchange;

import java.util.List;

/**
 * An Execute of a portal: its rows carry no description of their own, so masking reads them with
 * the portal's description; it ends with CommandComplete, EmptyQueryResponse, PortalSuspended
 * (more rows wait for another Execute) or an error.
 */
final class ExecuteRequest extends PendingRequest {
    private final String portal;
    private final String sql;
    private final List<String> parameters;
    private final StatementDecision decision;
    private final PendingChanges changes;
    private final ApprovedRun approved;

    ExecuteRequest(
            String portal,
            String sql,
            List<String> parameters,
            StatementDecision decision,
            PendingChanges changes,
            ApprovedRun approved) {
        this.portal = portal;
        this.sql = sql;
        this.parameters = parameters;
        this.decision = decision;
        this.changes = changes;
        this.approved = approved;
    }

    /** The portal whose rows arrive now. */
    String portal() {
        return portal;
    }

    @Override
    void commandComplete(Exchange x, String tag) {
        end(x, "ok", tag);
    }

    @Override
    void emptyQuery(Exchange x) {
        end(x, "ok", null);
    }

    @Override
    void portalSuspended(Exchange x) {
        x.pop(this);
        x.audit()
                .statement(
                        "extended", sql, parameters, "suspended", null, System.nanoTime() - startNanos, null, decision);
        changes.failed();
    }

    private void end(Exchange x, String outcome, String tag) {
        x.pop(this);
        x.audit().statement("extended", sql, parameters, outcome, tag, System.nanoTime() - startNanos, null, decision);
        changes.completed(tag);
        x.objects().completed(decision == null ? null : decision.classification(), sql, tag);
        if (approved != null) {
            approved.executed(true);
        }
    }

    /** It failed: the error is its own. */
    void failedHere(Exchange x, String sqlState, String seen) {
        x.audit()
                .statement(
                        "extended",
                        sql,
                        parameters,
                        "error",
                        null,
                        System.nanoTime() - startNanos,
                        sqlState,
                        seen,
                        decision);
        changes.failed();
        if (approved != null) {
            approved.executed(false);
        }
    }

    @Override
    void skipped(Exchange x) {
        x.audit().statement("extended", sql, parameters, "skipped", null, -1, null, decision);
        changes.failed();
    }

    @Override
    boolean readyForQuery(Exchange x) {
        x.pop(this);
        skipped(x);
        return false;
    }

    @Override
    void interrupted(Exchange x) {
        x.audit()
                .statement(
                        "extended",
                        sql,
                        parameters,
                        "interrupted",
                        null,
                        System.nanoTime() - startNanos,
                        null,
                        decision);
        changes.failed();
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
