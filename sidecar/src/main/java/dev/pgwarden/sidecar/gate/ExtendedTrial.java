package dev.pgwarden.sidecar.gate;

import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.exchange.PreparedStatement;
import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.message.ReadyForQuery;
import dev.pgwarden.sidecar.sql.SqlLexer;
import dev.pgwarden.sidecar.sql.SqlToken;
import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * A trial run in the extended protocol. A savepoint (and, outside a transaction, a transaction)
 * is opened by a Query of pgwarden's own before the batch whose first message (its Parse or Bind)
 * names a statement a changesMoreThan rule may match, so the batch's Execute runs as a trial
 * inside it without re-binding anything. (A Query cannot go inside a batch: it would end the
 * batch's implicit transaction and drop its unnamed statement.) The trial then stands
 * (the savepoint is released, the transaction committed) or is rolled back (and the statement is
 * refused) when the client's Sync comes, and the ReadyForQuery the client gets is the one after
 * that: the transaction status PostgreSQL would have reported without the trial.
 *
 * <p>One trial per batch: a batch that runs more than one Execute a changesMoreThan rule may match
 * counts the others as over the limit (see {@link ExtendedDecisions}).
 */
final class ExtendedTrial {
    static final String SAVEPOINT = ReservedNames.PREFIX + "trial";
    /**
     * The savepoint just before the trial's Execute, inside {@link #SAVEPOINT} (which settling
     * releases or rolls back with it), and the name of the statement and portal that make it.
     */
    private static final String RUN = SAVEPOINT + "_run";

    private final CountStatement count;
    private final Exchange exchange;
    private final GateOutput out;
    /** A savepoint is open for the batch being sent. */
    private boolean open;

    private boolean opened;
    private boolean used;
    private boolean refused;

    /**
     * Whether the command tag of {@code sql} counts every row it changes, which is all an
     * extended-protocol trial reads: a plain INSERT, UPDATE, DELETE or MERGE. A leading WITH may
     * hold data-modifying CTEs the tag does not count, and the tags of SELECT, EXPLAIN ANALYZE and
     * DO count nothing they change, so those are judged as over the limit instead. (Rows changed
     * by triggers, rules and foreign-key cascades are not in the tag either: {@link #counted}
     * counts them.)
     */
    static boolean countedByItsTag(String sql) {
        try {
            List<SqlToken> tokens = SqlLexer.tokenize(sql);
            return !tokens.isEmpty()
                    && (tokens.get(0).isWord("insert")
                            || tokens.get(0).isWord("update")
                            || tokens.get(0).isWord("delete")
                            || tokens.get(0).isWord("merge"));
        } catch (SqlLexer.LexException e) {
            return false;
        }
    }

    /**
     * The trial's Execute between two counts of the rows changed in the transaction so far (see
     * {@link TableCounts}: it counts what triggers, rules and cascades change as well; the command
     * tag does not), after a savepoint of its own, then a Flush, so the answers come now. The count is the session's prepared
     * {@link CountStatement}, parsed here first when it is not yet. Registers pgwarden's own
     * messages with the exchange, and the Execute through {@code trial}, in the order they go.
     */
    ByteBuf counted(ByteBuf execute, Runnable trial, TrialCount counts) {
        String name = count.name();
        ByteBuf b = out.alloc().buffer();
        // The Execute gets a subtransaction of its own: a table the batch rewrote before it (a
        // CLUSTER) would otherwise be truncated in place, its catalog row not written again.
        append(b, Messages.parse(out.alloc(), RUN, "SAVEPOINT " + RUN));
        append(b, Messages.bind(out.alloc(), RUN, RUN));
        append(b, Messages.execute(out.alloc(), RUN));
        append(b, Messages.close(out.alloc(), 'P', RUN));
        append(b, Messages.close(out.alloc(), 'S', RUN));
        int acknowledgements = 6; // those four, then the count's BindComplete and CloseComplete
        if (count.prepareFirst()) {
            append(b, Messages.parse(out.alloc(), name, TableCounts.SQL));
            acknowledgements++; // ParseComplete
        }
        countInto(b, name);
        exchange.hiddenInBatch(acknowledgements, r -> {
            if (r.failed() || TableCounts.of(r.firstValues()) == null) {
                // Failed or skipped (an earlier message of the batch failed): the statement may not exist.
                count.lost();
            }
            counts.before(r);
        });
        append(b, execute);
        trial.run();
        countInto(b, name);
        exchange.hiddenInBatch(2, counts::after);
        append(b, Messages.flush(out.alloc()));
        return b;
    }

    /** One count with statement {@code name}: Bind, Execute and Close of a portal of that name. */
    private void countInto(ByteBuf b, String name) {
        append(b, Messages.bind(out.alloc(), name, name));
        append(b, Messages.execute(out.alloc(), name));
        append(b, Messages.close(out.alloc(), 'P', name));
    }

    private static void append(ByteBuf to, ByteBuf message) {
        to.writeBytes(message);
        message.release();
    }

    ExtendedTrial(Exchange exchange, GateOutput out, CountStatement count) {
        this.exchange = exchange;
        this.out = out;
        this.count = count;
    }

    boolean open() {
        return open;
    }

    /** A savepoint is open for this batch and no Execute has run as its trial yet. */
    boolean armed() {
        return open && !used;
    }

    /** The trial's Execute was sent. */
    void used() {
        used = true;
    }

    /** The trial was rolled back: the statement is refused. */
    void refused() {
        refused = true;
    }

    /**
     * Opens the savepoint for the batch about to start: the Query to send just before its first
     * message (registered with the exchange already).
     */
    ByteBuf arm(PreparedStatement unnamed) {
        open = true;
        opened = exchange.transactionStatus() == ReadyForQuery.IDLE;
        used = false;
        refused = false;
        exchange.hidden(false, r -> {});
        ByteBuf query = Messages.query(out.alloc(), (opened ? "BEGIN; " : "") + "SAVEPOINT " + SAVEPOINT);
        if (unnamed == null) {
            return query;
        }
        // A Query drops the unnamed statement, which the batch's first message (a Bind) uses: made
        // again, as the client's Parse made it, inside the batch.
        ByteBuf b = out.alloc().buffer();
        append(b, query);
        append(b, Messages.parse(out.alloc(), "", unnamed.sql(), unnamed.parameterTypes()));
        exchange.hiddenInBatch(1, r -> {});
        return b;
    }

    /**
     * The client's Sync ends the batch: the Sync, then what settles pgwarden's savepoint or
     * transaction, whose ReadyForQuery the client gets. Registered with the exchange already.
     */
    ByteBuf finish(ByteBuf sync) {
        exchange.sync(true);
        String settle;
        if (refused) {
            // Undo the trial, and leave the client's own transaction failed, as any refused statement does.
            settle = opened
                    ? "ROLLBACK"
                    : "ROLLBACK TO SAVEPOINT " + SAVEPOINT + "; RELEASE SAVEPOINT " + SAVEPOINT
                            + "; SELECT pg_catalog.int4('pgwarden refused a statement')";
        } else {
            settle = opened ? "COMMIT" : "RELEASE SAVEPOINT " + SAVEPOINT;
        }
        exchange.hidden(true, r -> {});
        ByteBuf both = out.alloc().buffer(sync.readableBytes() + settle.length() + 8);
        both.writeBytes(sync);
        sync.release();
        ByteBuf q = Messages.query(out.alloc(), settle);
        both.writeBytes(q);
        q.release();
        open = false;
        return both;
    }
}
