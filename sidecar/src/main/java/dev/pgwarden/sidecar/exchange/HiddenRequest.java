package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.protocol.message.RowDescription;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A simple Query pgwarden sends on its own (opening, measuring and ending a trial run): the
 * client sees none of its answers, except, when asked, the ReadyForQuery that ends it, which then
 * stands for the client's own (the transaction status the client must see is the one after it).
 *
 * <p>Or extended-protocol messages pgwarden sends on its own inside a client's batch (counting
 * the rows an Execute changes): they end at their last acknowledgement, as no ReadyForQuery comes
 * before the client's Sync. Their error would skip the client's own messages, so it is the
 * client's to see (see {@link ServerAnswers}); skipped, they report a result with no values.
 */
final class HiddenRequest extends PendingRequest {
    private final boolean deliversReadyForQuery;
    /** For messages inside a batch: the acknowledgements still to come; -1 for a Query. */
    private int acknowledgements;

    private final Consumer<HiddenResult> done;
    private final List<String> tags = new ArrayList<>();
    private List<String> firstValues = List.of();
    private String sqlState;
    private String message;

    HiddenRequest(boolean deliversReadyForQuery, Consumer<HiddenResult> done) {
        this(deliversReadyForQuery, -1, done);
    }

    /** @param acknowledgements how many ParseComplete, BindComplete and CloseComplete end it */
    HiddenRequest(int acknowledgements, Consumer<HiddenResult> done) {
        this(false, acknowledgements, done);
    }

    private HiddenRequest(boolean deliversReadyForQuery, int acknowledgements, Consumer<HiddenResult> done) {
        this.deliversReadyForQuery = deliversReadyForQuery;
        this.acknowledgements = acknowledgements;
        this.done = done;
    }

    /** Messages inside a client's batch, not a Query of their own. */
    boolean inBatch() {
        return acknowledgements >= 0;
    }

    @Override
    void acknowledged(Exchange x) {
        if (inBatch() && --acknowledgements == 0) {
            x.pop(this);
            done.accept(result(x));
        }
    }

    @Override
    void skipped(Exchange x) {
        if (inBatch()) {
            done.accept(new HiddenResult(List.copyOf(tags), List.of(), null, null, x.transactionStatus()));
        }
    }

    private HiddenResult result(Exchange x) {
        return new HiddenResult(List.copyOf(tags), firstValues, sqlState, message, x.transactionStatus());
    }

    @Override
    ByteBuf rowDescription(Exchange x, RowDescription d) {
        return Exchange.DROP;
    }

    /** A row of its result, as text. */
    void row(List<String> values) {
        if (firstValues.isEmpty()) {
            firstValues = values;
        }
    }

    @Override
    void commandComplete(Exchange x, String tag) {
        tags.add(tag);
    }

    @Override
    void failed(Exchange x, String sqlState, String seen) {
        this.sqlState = sqlState;
        this.message = seen;
        if (inBatch()) {
            // The server now skips to the client's Sync: this ends here, and the rest is skipped.
            x.pop(this);
            done.accept(result(x));
            x.failUntilSync(sqlState, seen);
        }
    }

    @Override
    boolean readyForQuery(Exchange x) {
        x.pop(this);
        done.accept(result(x));
        return true;
    }

    boolean deliversReadyForQuery() {
        return deliversReadyForQuery;
    }

    @Override
    void interrupted(Exchange x) {
        done.accept(new HiddenResult(List.copyOf(tags), firstValues, "08006", "the session ended", 'I'));
    }
}
