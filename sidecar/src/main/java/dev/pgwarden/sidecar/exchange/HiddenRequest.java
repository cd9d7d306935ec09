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
 */
final class HiddenRequest extends PendingRequest {
    private final boolean deliversReadyForQuery;
    private final Consumer<HiddenResult> done;
    private final List<String> tags = new ArrayList<>();
    private List<String> firstValues = List.of();
    private String sqlState;
    private String message;

    HiddenRequest(boolean deliversReadyForQuery, Consumer<HiddenResult> done) {
        this.deliversReadyForQuery = deliversReadyForQuery;
        this.done = done;
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
    }

    @Override
    boolean readyForQuery(Exchange x) {
        x.pop(this);
        done.accept(new HiddenResult(List.copyOf(tags), firstValues, sqlState, message, x.transactionStatus()));
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
