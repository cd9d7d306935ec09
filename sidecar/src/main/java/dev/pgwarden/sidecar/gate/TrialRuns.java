package dev.pgwarden.sidecar.gate;

import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.exchange.StatementDecision;
import dev.pgwarden.sidecar.exchange.TrialRun;
import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.message.ReadyForQuery;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs a simple-protocol Query as a trial, so rules with {@code changesMoreThan} judge it by the
 * rows it really changes. Outside a transaction pgwarden opens one; inside the client's, a
 * savepoint. The rows changed are the largest of each statement's command tag and what
 * pgwarden's own count ({@link TableCounts}) saw across the trial (which sees code: DO blocks,
 * functions, triggers). The trial then stands as the real run (committed, or its savepoint
 * released), or is rolled back.
 */
final class TrialRuns {
    /** Kinds a trial runs: statements whose effects a transaction rolls back whole. */
    private static final Set<StatementKind> TRIALABLE = EnumSet.of(
            StatementKind.SELECT,
            StatementKind.INSERT,
            StatementKind.UPDATE,
            StatementKind.DELETE,
            StatementKind.MERGE,
            StatementKind.DO,
            StatementKind.CALL,
            StatementKind.EXPLAIN,
            StatementKind.SHOW);

    private static final String SAVEPOINT = ExtendedTrial.SAVEPOINT;
    /** How a trial ended, with what it counted. */
    record Done(TrialRun run, TrialRun.Outcome outcome, TableCounts before, TableCounts after, boolean opened) {
        /**
         * Rows statement {@code i} changed, as far as the trial can tell: a count that could not be
         * read is over every limit.
         */
        long rows(int i) {
            long tag = i < outcome.rows().size() ? outcome.rows().get(i) : 0;
            if (before == null || after == null) {
                return dev.pgwarden.sidecar.policy.StatementPolicy.UNCOUNTED;
            }
            return Math.max(tag, after.since(before));
        }
    }

    private final Exchange exchange;
    private final GateOutput out;
    private final CountStatement count;

    TrialRuns(Exchange exchange, GateOutput out, CountStatement count) {
        this.exchange = exchange;
        this.out = out;
        this.count = count;
    }

    /** Whether every statement of the Query can run as a trial and be rolled back whole. */
    static boolean trialable(List<StatementJudge.Judged> judged) {
        return judged.stream()
                .allMatch(j -> TRIALABLE.contains(j.classification().kind()));
    }

    /**
     * Sends the trial: opening, the Query itself (as a copy; the client's message stays where it
     * is), and the count after it, in one round trip. The count is the session's prepared
     * {@link CountStatement} (prepared in the opening when it is not yet); a count that does not
     * read makes the next trial prepare it afresh.
     */
    void start(String query, List<String> statements, List<StatementDecision> decisions, Consumer<Done> done) {
        boolean open = exchange.transactionStatus() == ReadyForQuery.IDLE;
        String name = count.name();
        String prepare = count.prepareFirst() ? "PREPARE " + name + " AS " + TableCounts.SQL + "; " : "";
        TableCounts[] before = {null};
        out.toServer(Messages.query(
                out.alloc(), (open ? "BEGIN; " : "SAVEPOINT " + SAVEPOINT + "; ") + prepare + "EXECUTE " + name));
        exchange.hidden(false, r -> {
            before[0] = TableCounts.of(r.firstValues());
            if (r.failed() || before[0] == null) {
                count.lost();
            }
        });
        out.toServer(Messages.query(out.alloc(), query));
        TrialRun[] run = new TrialRun[1];
        TrialRun.Outcome[] outcome = new TrialRun.Outcome[1];
        run[0] = exchange.trial(statements, decisions, o -> outcome[0] = o);
        out.toServer(Messages.query(out.alloc(), "EXECUTE " + name));
        exchange.hidden(
                false,
                r -> done.accept(new Done(
                        run[0], outcome[0], before[0], r.failed() ? null : TableCounts.of(r.firstValues()), open)));
    }

    /** The trial stands: committed (or its savepoint released), and the client gets its answers. */
    void stand(Done d) {
        out.toServer(Messages.query(out.alloc(), d.opened() ? "COMMIT" : "RELEASE SAVEPOINT " + SAVEPOINT));
        exchange.hidden(true, r -> {});
        exchange.stand(d.run(), out::toClient);
    }

    /** The trial is undone and the client never sees it. */
    void rollBack(Done d) {
        out.toServer(Messages.query(
                out.alloc(),
                d.opened() ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT " + SAVEPOINT + "; RELEASE SAVEPOINT " + SAVEPOINT));
        exchange.hidden(false, r -> {});
        exchange.drop(d.run());
    }
}
