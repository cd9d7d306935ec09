package dev.pgwarden.sidecar.gate;

import dev.pgwarden.sidecar.exchange.HiddenResult;
import dev.pgwarden.sidecar.exchange.TrialRun;
import java.util.function.Consumer;

/**
 * What an extended-protocol trial saw: the Execute's outcome and pgwarden's counts of the rows
 * changed in the transaction just before and just after it. Complete when the outcome and the
 * count after it are both in, in whichever order they come (an Execute that fails reports after
 * the server has skipped the count behind it).
 */
final class TrialCount {
    private final Consumer<TrialCount> whenComplete;
    private TrialRun.Outcome outcome;
    private HiddenResult before;
    private HiddenResult after;

    TrialCount(Consumer<TrialCount> whenComplete) {
        this.whenComplete = whenComplete;
    }

    void before(HiddenResult r) {
        before = r;
    }

    void after(HiddenResult r) {
        after = r;
        completeWhenBothIn();
    }

    void outcome(TrialRun.Outcome o) {
        outcome = o;
        completeWhenBothIn();
    }

    private void completeWhenBothIn() {
        if (outcome != null && after != null) {
            whenComplete.accept(this);
        }
    }

    TrialRun.Outcome outcome() {
        return outcome;
    }

    /** pgwarden's own count that failed (the client got its error in place of the batch's), or null. */
    HiddenResult failedCount() {
        if (before != null && before.failed()) {
            return before;
        }
        return after.failed() ? after : null;
    }

    /**
     * Rows the Execute changed: the larger of its command tag's count and the tables' counters
     * (which see rows that triggers, rules and foreign-key cascades change; a truncated table counts
     * as over every limit); -1 when a count is missing, which the caller takes as over every limit.
     */
    long rowsChanged() {
        long tag = outcome.rows().isEmpty() ? 0 : outcome.rows().get(0);
        TableCounts from = before == null ? null : TableCounts.of(before.firstValues());
        TableCounts to = TableCounts.of(after.firstValues());
        if (from == null || to == null) {
            return -1;
        }
        return Math.max(tag, to.since(from));
    }
}
