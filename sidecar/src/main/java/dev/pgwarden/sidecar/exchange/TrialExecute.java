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
public final class TrialExecute extends PortalRun implements HeldTrial {
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
        super(portal, sql, parameters, decision, changes);
        this.done = done;
    }

    @Override
    public HeldOutput held() {
        return held;
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
        nanos = sinceStart();
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
        nanos = sinceStart();
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
            audit(x, "error", tag, nanos, state, seen);
        }
    }

    /** The trial stands: the client gets what it answered, and the audit records it as run. */
    @Override
    public void stand(Exchange x, Consumer<ByteBuf> client) {
        held.release(client);
        audit(x, outcome == null ? "ok" : outcome, tag, nanos, sqlState, message);
        if (sqlState == null && !"skipped".equals(outcome)) {
            ran(x, tag);
        } else {
            changedNothing();
        }
    }

    @Override
    public void drop() {
        held.drop();
        changedNothing();
    }

    @Override
    void interrupted(Exchange x) {
        held.drop();
        super.interrupted(x);
    }
}
