package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.masking.wire.RowMasker;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.message.Bind;
import dev.pgwarden.sidecar.protocol.message.Close;
import dev.pgwarden.sidecar.protocol.message.DataRows;
import dev.pgwarden.sidecar.protocol.message.Describe;
import dev.pgwarden.sidecar.protocol.message.Parse;
import dev.pgwarden.sidecar.protocol.message.RowDescription;
import dev.pgwarden.sidecar.sql.Classification;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Pairs what the client sent with what the server answered, so every statement is audited with
 * its decision and its outcome, and every result is masked as its statement was decided. Client
 * messages that expect an answer join a queue of {@link PendingRequest}s; each server message goes
 * to the request at its head. After an error in the extended protocol the server skips
 * everything up to Sync, and so does the exchange (skipped statements are audited as such).
 * How each server message reaches its request is {@link ServerAnswers}' job.
 */
public final class Exchange {
    /** Returned by {@link #fromServer} for a message the client must not see (the answer to pgwarden's own Describe). */
    public static final ByteBuf DROP = Unpooled.EMPTY_BUFFER;

    private final ArrayDeque<PendingRequest> queue = new ArrayDeque<>();
    private final SessionAudit audit;
    private final SessionObjects objects;
    private final ResultMasking masking;
    private final ServerAnswers answers;
    /** The server skips the client's messages until the next Sync (an error with no Sync sent yet). */
    private boolean discardingUntilSync;

    private Runnable whenIdle;
    /**
     * The statement whose Parse or Bind failed before its Execute came: the error was audited for
     * it, and the Execute the server skips is not audited again.
     */
    private String failedWithoutExecute;
    /** The output of the trial run now in progress, held until it stands or is dropped. */
    private HeldOutput held;

    public Exchange(SessionAudit audit, SessionObjects objects, ResultMasking masking, ByteBufAllocator alloc) {
        this.audit = audit;
        this.objects = objects;
        this.masking = masking;
        this.answers = new ServerAnswers(this, queue, audit, objects, masking, alloc);
    }

    SessionAudit audit() {
        return audit;
    }

    public ResultMasking masking() {
        return masking;
    }

    /** Rows the session's completed statements changed (limits.maxRowsChangedPerSession). */
    public long rowsChanged() {
        return audit.rowsChanged();
    }

    /** Whether the server has yet to answer something sent (pgwarden's own statements included). */
    public boolean awaiting() {
        return !queue.isEmpty();
    }

    public SessionObjects objects() {
        return objects;
    }

    void pop(PendingRequest r) {
        if (queue.peek() == r) {
            queue.poll();
        } else {
            queue.remove(r);
        }
        if (queue.isEmpty() && whenIdle != null) {
            Runnable then = whenIdle;
            whenIdle = null;
            then.run();
        }
    }

    /**
     * Runs {@code then} once the server has answered everything sent so far (at once when it has):
     * a trial must know the transaction status the server will be in when it runs.
     */
    public void whenIdle(Runnable then) {
        if (queue.isEmpty()) {
            then.run();
        } else {
            whenIdle = then;
        }
    }

    // ---------------------------------------------------------------- client side, in the order sent

    /**
     * A simple Query the gate let through.
     *
     * @param changes what each statement changes among the session's names (registered when judged)
     */
    public void query(
            List<String> statements,
            List<StatementDecision> decisions,
            List<PendingChanges> changes,
            ApprovedRun approved) {
        queue.add(new QueryRequest(
                statements, decisions, changes, new PendingChanges(objects.query(!statements.isEmpty())), approved));
    }

    /** A Query the server will skip (it follows a refused statement in the same extended-protocol batch). */
    public void skippedQuery(ByteBuf body) {
        List<String> statements = dev.pgwarden.sidecar.sql.StatementSplitter.split(
                dev.pgwarden.sidecar.protocol.message.Query.read(body).sql());
        queue.add(new QueryRequest(statements, List.of(), List.of(), PendingChanges.NONE, null));
    }

    /** A Parse the gate let through; {@code c} is its classification, null when it was not classified. */
    public void parse(Parse p, Classification c) {
        NameChange change = objects.parse(p, c);
        if (discardingUntilSync) {
            change.failed();
        } else {
            queue.add(new NamingRequest(change, p.sql(), null));
        }
    }

    public void bind(ByteBuf body) {
        Bind b = Bind.read(body, objects::parameterTypes);
        NameChange change = objects.bind(b);
        if (discardingUntilSync) {
            change.failed();
            return;
        }
        String sql = null;
        for (PreparedStatement s : objects.statement(b.statement()).values()) {
            sql = s.sql();
            break;
        }
        queue.add(new NamingRequest(change, sql, b.values()));
    }

    /** An Execute the gate let through, decided as {@code decision}. */
    public void execute(
            String portal,
            String sql,
            List<String> parameters,
            StatementDecision decision,
            PendingChanges changes,
            ApprovedRun approved) {
        if (discardingUntilSync) {
            if (sql == null || !sql.equals(failedWithoutExecute)) {
                audit.statement("extended", sql, parameters, "skipped", null, -1, null, decision);
            }
            failedWithoutExecute = null; // the error audited for its Parse or Bind is this Execute's
            changes.failed();
            if (approved != null) {
                approved.executed(false);
            }
            return;
        }
        queue.add(new ExecuteRequest(portal, sql, parameters, decision, changes, approved));
    }

    public void describe(Describe d) {
        if (!discardingUntilSync) {
            queue.add(new DescribeRequest(d.portal(), d.name(), false));
        }
    }

    /** The gate sent a Describe of the portal ahead of its Execute: its answer is for pgwarden only. */
    public void describeInjected(String portal) {
        queue.add(new DescribeRequest(true, portal, true));
    }

    public void close(Close c) {
        NameChange change = objects.close(c);
        if (discardingUntilSync) {
            change.failed();
        } else {
            queue.add(new CloseRequest(change));
        }
    }

    public void sync() {
        sync(false);
    }

    /**
     * @param ending the batch ran inside a transaction or savepoint pgwarden opened for a trial: its
     *     ReadyForQuery is not the client's (the statement that settles pgwarden's own follows, and its
     *     ReadyForQuery goes to the client instead)
     */
    public void sync(boolean ending) {
        discardingUntilSync = false;
        failedWithoutExecute = null;
        queue.add(new SyncRequest(ending));
    }

    /**
     * The gate refused a statement and sent a stand-in the server will fail: audited now, and its
     * error is replaced when it arrives.
     */
    public void refused(
            boolean simple,
            List<String> statements,
            List<String> parameters,
            List<StatementDecision> decisions,
            Refusal refusal) {
        String protocol = simple ? "simple" : "extended";
        for (int i = 0; i < statements.size(); i++) {
            StatementDecision d = i < decisions.size() ? decisions.get(i) : null;
            audit.statement(
                    protocol,
                    statements.get(i),
                    parameters,
                    "refused",
                    null,
                    -1,
                    refusal.sqlState(),
                    refusal.message(),
                    d);
        }
        if (simple) {
            // The stand-in is a Query of its own: it drops the unnamed statement (failing in the parser,
            // it runs nothing that would replace the unnamed portal).
            queue.add(new RefusedRequest(refusal, true, new PendingChanges(objects.query(false))));
        } else if (!discardingUntilSync) {
            queue.add(new RefusedRequest(refusal, false, PendingChanges.NONE));
        }
    }

    // ---------------------------------------------------------------- pgwarden's own statements

    /**
     * A Query pgwarden sent on its own; its answers reach only {@code done}.
     *
     * @param deliversReadyForQuery its ReadyForQuery goes to the client, as the end of a trial run
     *     that stood
     */
    public void hidden(boolean deliversReadyForQuery, Consumer<HiddenResult> done) {
        queue.add(new HiddenRequest(deliversReadyForQuery, done));
    }

    /**
     * Extended-protocol messages pgwarden sent on its own inside the client's batch; they end at
     * their {@code acknowledgements}-th ParseComplete, BindComplete or CloseComplete.
     */
    public void hiddenInBatch(int acknowledgements, Consumer<HiddenResult> done) {
        queue.add(new HiddenRequest(acknowledgements, done));
    }

    /** The client's Query, sent as a trial run: its answers are held until {@link #stand} or {@link #drop}. */
    public TrialRun trial(List<String> statements, List<StatementDecision> decisions, Consumer<TrialRun.Outcome> done) {
        TrialRun t = new TrialRun(statements, decisions, done);
        queue.add(t);
        held = t.held();
        return t;
    }

    /** An Execute the gate sent as a trial: its answers are held until {@link #stand} or {@link #drop}. */
    public TrialExecute trialExecute(
            String portal,
            String sql,
            List<String> parameters,
            StatementDecision decision,
            PendingChanges changes,
            Consumer<TrialRun.Outcome> done) {
        TrialExecute t = new TrialExecute(portal, sql, parameters, decision, changes, done);
        queue.add(t);
        held = t.held();
        return t;
    }

    /** The trial stands as the real run (the client gets what it answered), or is dropped unseen. */
    public void stand(HeldTrial trial, Consumer<ByteBuf> client) {
        trial.stand(this, client);
        held = null;
    }

    public void drop(HeldTrial trial) {
        trial.drop();
        held = null;
    }

    /** The server's answers now arriving are a trial's: they are held rather than sent. */
    public boolean holding() {
        return queue.peek() instanceof HeldTrial;
    }

    /**
     * Output for the client that a trial holds. It may arrive after the trial's ReadyForQuery took it
     * off the queue (output is written at the end of a run of messages), until the trial stands or
     * is dropped.
     */
    public void hold(ByteBuf bytes) {
        if (held != null) {
            held.add(bytes);
        } else {
            bytes.release();
        }
    }

    /** The server's answers now arriving are pgwarden's own: rows are read here and nothing reaches the client. */
    public boolean hiding() {
        return queue.peek() instanceof HiddenRequest;
    }

    /** A row of pgwarden's own query. */
    public void hiddenRow(PgMessage row) {
        if (queue.peek() instanceof HiddenRequest h) {
            h.row(DataRows.text(row.body()));
        }
    }

    /** The transaction status of the last ReadyForQuery ('I', 'T' or 'E'). */
    public char transactionStatus() {
        return answers.transactionStatus();
    }

    /** Whether the server skips the client's messages until its next Sync. */
    public boolean discarding() {
        return discardingUntilSync;
    }

    // ---------------------------------------------------------------- server side

    /**
     * @return a message to send the client instead of {@code m} (the refusal that replaces the
     *     stand-in's error, an error or notice with its values scrubbed), {@link #DROP} for the
     *     answer to pgwarden's own Describe, or null to relay {@code m} as it is. DataRows are
     *     masked through {@link #rowsFor}.
     */
    public ByteBuf fromServer(PgMessage m, RowDescription description) {
        return answers.fromServer(m, description);
    }

    /**
     * The server now ignores everything up to Sync: the failing statement is the first Execute at
     * or after the failed message; later Executes never run.
     */
    void failUntilSync(String sqlState, String seen) {
        PendingRequest failing = null;
        boolean attributed = false;
        while (!queue.isEmpty() && !queue.peek().isSync()) {
            PendingRequest p = queue.poll();
            failing = failing == null ? p : failing;
            if (p instanceof ExecuteRequest e && !attributed && !(failing instanceof RefusedRequest)) {
                e.failedHere(this, sqlState, seen);
                attributed = true;
            } else {
                attributed |= p instanceof ExecuteRequest;
                p.skipped(this);
            }
        }
        objects.failed();
        if (!attributed && failing != null && !(failing instanceof RefusedRequest)) {
            failing.auditFailure(this, sqlState, seen);
            failedWithoutExecute = failing.sql();
        }
        discardingUntilSync = queue.isEmpty();
        if (queue.isEmpty() && whenIdle != null) {
            Runnable then = whenIdle;
            whenIdle = null;
            then.run();
        }
    }

    /** A Describe was answered. */
    void described(boolean portal, String name, RowDescription d) {
        if (portal) {
            objects.portalDescribed(name, d);
        } else {
            objects.statementDescribed(name, d);
        }
    }

    // ---------------------------------------------------------------- rows

    /** How to mask a DataRow of the current result (its column count), or null to relay it as it is. */
    public RowMasker rowsFor(int columnCount) {
        return answers.rowsFor(columnCount);
    }

    /** The client left: statements still waiting for an answer may or may not have run. */
    public void interrupted() {
        for (PendingRequest p : queue) {
            p.interrupted(this);
        }
        queue.clear();
    }
}
