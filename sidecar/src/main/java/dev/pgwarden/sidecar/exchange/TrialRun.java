package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.protocol.message.CommandComplete;
import dev.pgwarden.sidecar.protocol.message.RowDescription;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A Query run as a trial, inside a transaction or savepoint pgwarden opened, so its row counts can
 * decide a rule before the change stands. Everything the client would get is held here (masked,
 * as the client would get it) until the decision: released when the trial stands as the real run,
 * dropped when it is rolled back. Held output is capped: a trial whose answer is larger is
 * rolled back, which is the strict side.
 */
public final class TrialRun extends PendingRequest implements HeldTrial {
    /** What the trial saw. */
    public record Outcome(List<String> tags, List<Long> rows, String sqlState, String message, boolean overflow) {
        /** The sqlState of an Execute the server skipped after an earlier error of its batch. */
        public static final String SKIPPED = "skipped";

        public boolean failed() {
            return sqlState != null;
        }
    }

    private final List<String> statements;
    private final List<StatementDecision> decisions;
    private final Consumer<Outcome> done;
    private final List<String> tags = new ArrayList<>();
    private final List<Long> durations = new ArrayList<>();
    private final HeldOutput held = new HeldOutput();
    private String sqlState;
    private String message;
    private int next;

    TrialRun(List<String> statements, List<StatementDecision> decisions, Consumer<Outcome> done) {
        this.statements = statements;
        this.decisions = decisions;
        this.done = done;
    }

    @Override
    public HeldOutput held() {
        return held;
    }

    @Override
    ByteBuf rowDescription(Exchange x, RowDescription d) {
        x.masking().startRows(d, decision());
        return null;
    }

    @Override
    void commandComplete(Exchange x, String tag) {
        long now = System.nanoTime();
        tags.add(tag);
        durations.add(now - startNanos);
        startNanos = now;
        next++;
    }

    @Override
    void failed(Exchange x, String sqlState, String seen) {
        this.sqlState = sqlState;
        this.message = seen;
        tags.add(null);
        durations.add(System.nanoTime() - startNanos);
        next++;
    }

    @Override
    boolean readyForQuery(Exchange x) {
        x.pop(this);
        List<Long> rows = new ArrayList<>();
        for (String tag : tags) {
            Long n = tag == null || tag.startsWith("SELECT") ? null : CommandComplete.rows(tag);
            rows.add(n == null ? 0L : n);
        }
        done.accept(new Outcome(
                java.util.Collections.unmodifiableList(new ArrayList<>(tags)),
                List.copyOf(rows),
                sqlState,
                message,
                held.overflow()));
        return true;
    }

    /**
     * The trial stands as the real run: what it answered goes to the client now (its
     * ReadyForQuery follows from the statement that ends pgwarden's transaction or savepoint), and
     * the audit records each statement as run.
     */
    @Override
    public void stand(Exchange x, Consumer<ByteBuf> client) {
        held.release(client);
        for (int i = 0; i < statements.size(); i++) {
            boolean ran = i < tags.size();
            boolean failedHere = ran && tags.get(i) == null;
            x.audit()
                    .statement(
                            "simple",
                            statements.get(i),
                            null,
                            !ran ? "skipped" : failedHere ? "error" : "ok",
                            ran ? tags.get(i) : null,
                            ran ? durations.get(i) : -1,
                            failedHere ? sqlState : null,
                            failedHere ? message : null,
                            decision(i));
        }
    }

    /** The trial is rolled back: the client never sees it. */
    @Override
    public void drop() {
        held.drop();
    }

    @Override
    void interrupted(Exchange x) {
        drop();
        for (int i = next; i < statements.size(); i++) {
            x.audit().statement("simple", statements.get(i), null, "interrupted", null, -1, null, null, decision(i));
        }
    }

    @Override
    StatementDecision decision() {
        return decision(next);
    }

    private StatementDecision decision(int i) {
        return i < decisions.size() ? decisions.get(i) : null;
    }

    @Override
    String sql() {
        return next < statements.size() ? statements.get(next) : "";
    }
}
