package dev.pgwarden.sidecar.exchange;

import java.util.List;

/**
 * An Execute of a portal: its rows carry no description of their own, so masking reads them with
 * the portal's description; it ends with CommandComplete, EmptyQueryResponse, PortalSuspended
 * (more rows wait for another Execute) or an error.
 */
final class ExecuteRequest extends PortalRun {
    private final ApprovedRun approved;

    ExecuteRequest(
            String portal,
            String sql,
            List<String> parameters,
            StatementDecision decision,
            PendingChanges changes,
            ApprovedRun approved) {
        super(portal, sql, parameters, decision, changes);
        this.approved = approved;
    }

    @Override
    void commandComplete(Exchange x, String tag) {
        end(x, tag);
    }

    @Override
    void emptyQuery(Exchange x) {
        end(x, null);
    }

    @Override
    void portalSuspended(Exchange x) {
        x.pop(this);
        audit(x, "suspended", null, sinceStart(), null, null);
        changedNothing();
    }

    private void end(Exchange x, String tag) {
        x.pop(this);
        audit(x, "ok", tag, sinceStart(), null, null);
        ran(x, tag);
        if (approved != null) {
            approved.executed(true);
        }
    }

    /** It failed: the error is its own. */
    void failedHere(Exchange x, String sqlState, String seen) {
        audit(x, "error", null, sinceStart(), sqlState, seen);
        changedNothing();
        if (approved != null) {
            approved.executed(false);
        }
    }

    @Override
    void skipped(Exchange x) {
        audit(x, "skipped", null, -1, null, null);
        changedNothing();
    }

    @Override
    boolean readyForQuery(Exchange x) {
        x.pop(this);
        skipped(x);
        return false;
    }
}
