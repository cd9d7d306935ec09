package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.protocol.message.CommandComplete;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.function.Consumer;

/**
 * An Execute run as a trial inside a savepoint pgwarden set before the client's batch: its rows
 * and its command tag are held until the trial stands (they go to the client as they are) or is
 * rolled back (dropped). It ends at its CommandComplete, EmptyQueryResponse, PortalSuspended or
 * error, each of which decides at once; the batch's Sync comes later, from the client.
 */
public final class TrialExecute extends PendingRequest implements HeldTrial {
    private final String portal;
    private final String sql;
    private final List<String> parameters;
    private final StatementDecision decision;
    private final PendingChanges changes;
    private final Consumer<TrialRun.Outcome> done;
    private final HeldOutput held = new HeldOutput();
    private String tag;
    private String outcome;
    private String sqlState;
    private String message;
    private long nanos;
    /** It has reported its outcome (at its end, its error, or when the server skipped it). */
    private boolean reported;

    TrialExecute(
            String portal,
            String sql,
            List<String> parameters,
            StatementDecision decision,
            PendingChanges changes,
            Consumer<TrialRun.Outcome> done) {
        this.portal = portal;
        this.sql = sql;
        this.parameters = parameters;
        this.decision = decision;
        this.changes = changes;
        this.done = done;
    }

    @Override
    public HeldOutput held() {
        return held;
    }

    String portal() {
        return portal;
    }

    @Override
    void commandComplete(Exchange x, String commandTag) {
        end(x, "ok", commandTag);
    }

    @Override
    void emptyQuery(Exchange x) {
        end(x, "ok", null);
    }

    @Override
    void portalSuspended(Exchange x) {
        end(x, "suspended", null);
    }

    private void end(Exchange x, String how, String commandTag) {
        x.pop(this);
        reported = true;
        nanos = System.nanoTime() - startNanos;
        tag = commandTag;
        outcome = how;
        Long rows = commandTag == null || commandTag.startsWith("SELECT") ? null : CommandComplete.rows(commandTag);
        done.accept(new TrialRun.Outcome(
                java.util.Collections.singletonList(commandTag),
                List.of(rows == null ? 0L : rows),
                null,
                null,
                held.overflow()));
    }

    @Override
    void failed(Exchange x, String state, String seen) {
        nanos = System.nanoTime() - startNanos;
        outcome = "error";
        sqlState = state;
        message = seen;
        reported = true;
        // The server now skips to Sync: so does the exchange (this request first).
        super.failed(x, state, seen);
        done.accept(new TrialRun.Outcome(
                java.util.Collections.singletonList(null), List.of(0L), state, seen, held.overflow()));
    }

    @Override
    void skipped(Exchange x) {
        if (reported) {
            return; // popped by its own failure (see failed)
        }
        // An earlier message of its batch failed (pgwarden's count before it, or the client's own):
        // it never ran. The exchange audits the batch's error.
        reported = true;
        outcome = "skipped";
        done.accept(new TrialRun.Outcome(
                java.util.Collections.singletonList(null), List.of(0L), TrialRun.Outcome.SKIPPED, null, false));
    }

    /**
     * pgwarden's count after it failed: the trial, which ran, is dropped (see {@link
     * Exchange#drop}) and audited with the error the client got.
     */
    public void countFailed(Exchange x, String state, String seen) {
        if (!"skipped".equals(outcome)) {
            x.audit().statement("extended", sql, parameters, "error", tag, nanos, state, seen, decision);
        }
    }

    /** The trial stands: the client gets what it answered, and the audit records it as run. */
    @Override
    public void stand(Exchange x, Consumer<ByteBuf> client) {
        held.release(client);
        x.audit()
                .statement(
                        "extended",
                        sql,
                        parameters,
                        outcome == null ? "ok" : outcome,
                        tag,
                        nanos,
                        sqlState,
                        message,
                        decision);
        if (sqlState == null && !"skipped".equals(outcome)) {
            changes.completed(tag);
            x.objects().completed(decision == null ? null : decision.classification(), sql, tag);
        } else {
            changes.failed();
        }
    }

    @Override
    public void drop() {
        held.drop();
        changes.failed();
    }

    @Override
    void interrupted(Exchange x) {
        held.drop();
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
