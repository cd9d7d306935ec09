package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.protocol.message.RowDescription;
import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * A simple-protocol Query: its statements run one after the other, each answered by its own
 * results and CommandComplete, until one fails (the rest are skipped) or all are done; the
 * ReadyForQuery that follows is its end.
 */
final class QueryRequest extends PendingRequest {
    private final List<String> statements;
    private final List<StatementDecision> decisions;
    private final List<PendingChanges> changes;
    /** A simple Query drops the unnamed statement and portal first. */
    private final PendingChanges dropsUnnamed;

    private final ApprovedRun approved;
    /** The statement whose answers arrive now. */
    private int next;

    private boolean failed;

    QueryRequest(
            List<String> statements,
            List<StatementDecision> decisions,
            List<PendingChanges> changes,
            PendingChanges dropsUnnamed,
            ApprovedRun approved) {
        this.statements = statements;
        this.decisions = decisions;
        this.changes = changes;
        this.dropsUnnamed = dropsUnnamed;
        this.approved = approved;
    }

    @Override
    ByteBuf rowDescription(Exchange x, RowDescription d) {
        // The description of the statement now running, in the formats it uses.
        x.masking().startRows(d, decision());
        return null;
    }

    @Override
    void commandComplete(Exchange x, String tag) {
        long now = System.nanoTime();
        x.audit().statement("simple", sql(), null, "ok", tag, now - startNanos, null, decision());
        changes(next).completed(tag);
        x.objects().completed(decision() == null ? null : decision().classification(), sql(), tag);
        next++;
        startNanos = now;
    }

    @Override
    void failed(Exchange x, String sqlState, String seen) {
        long now = System.nanoTime();
        x.audit().statement("simple", sql(), null, "error", null, now - startNanos, sqlState, seen, decision());
        changes(next).failed();
        x.objects().failed();
        next++;
        failed = true;
    }

    @Override
    boolean readyForQuery(Exchange x) {
        x.pop(this);
        for (int i = next; i < statements.size(); i++) {
            x.audit().statement("simple", statements.get(i), null, "skipped", null, -1, null, decision(i));
            changes(i).failed();
        }
        next = statements.size();
        dropsUnnamed.completed(null);
        if (approved != null) {
            approved.executed(!failed);
        }
        return true;
    }

    @Override
    void skipped(Exchange x) {
        for (int i = next; i < statements.size(); i++) {
            x.audit().statement("simple", statements.get(i), null, "skipped", null, -1, null, decision(i));
            changes(i).failed();
        }
        next = statements.size();
        dropsUnnamed.failed();
    }

    @Override
    void interrupted(Exchange x) {
        for (int i = next; i < statements.size(); i++) {
            x.audit().statement("simple", statements.get(i), null, "interrupted", null, -1, null, decision(i));
            changes(i).failed();
        }
        dropsUnnamed.failed();
        if (approved != null) {
            approved.executed(false);
        }
    }

    @Override
    StatementDecision decision() {
        return decision(next);
    }

    private StatementDecision decision(int i) {
        return i < decisions.size() ? decisions.get(i) : null;
    }

    private PendingChanges changes(int i) {
        return i < changes.size() ? changes.get(i) : PendingChanges.NONE;
    }

    @Override
    String sql() {
        return next < statements.size() ? statements.get(next) : "";
    }
}
