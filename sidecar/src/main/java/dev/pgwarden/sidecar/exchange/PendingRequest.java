package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.protocol.message.RowDescription;
import io.netty.buffer.ByteBuf;

/**
 * A client message that awaits the server's answer. The {@link Exchange} hands each answer to the
 * request at the head of its queue; a request handles what concerns it and inherits the rest:
 * by default an acknowledgement completes it, and an error in the extended protocol fails it and
 * every message up to the next Sync, as the server skips them.
 */
abstract sealed class PendingRequest
        permits QueryRequest,
                NamingRequest,
                PortalRun,
                DescribeRequest,
                CloseRequest,
                SyncRequest,
                RefusedRequest,
                HiddenRequest,
                TrialRun {
    long startNanos = System.nanoTime();

    /** ParseComplete, BindComplete, CloseComplete or NoData: the message did what it asked. */
    void acknowledged(Exchange x) {
        x.pop(this);
    }

    /** @return what the client gets instead, {@link Exchange#DROP}, or null to relay it */
    ByteBuf rowDescription(Exchange x, RowDescription d) {
        return null;
    }

    /** @return what the client gets instead, {@link Exchange#DROP}, or null to relay it */
    ByteBuf noData(Exchange x) {
        x.pop(this);
        return null;
    }

    void commandComplete(Exchange x, String tag) {}

    void emptyQuery(Exchange x) {}

    void portalSuspended(Exchange x) {}

    /**
     * The server reported an error while this request was at the head.
     *
     * @param seen the error as the client sees it (scrubbed), for the audit
     */
    void failed(Exchange x, String sqlState, String seen) {
        x.failUntilSync(sqlState, seen);
    }

    /** Audited as the statement whose batch failed here, when no Execute of it took the error. */
    void auditFailure(Exchange x, String sqlState, String seen) {
        x.audit()
                .statement(
                        "extended",
                        sql(),
                        parameters(),
                        "error",
                        null,
                        System.nanoTime() - startNanos,
                        sqlState,
                        seen,
                        null);
    }

    /** The server skipped this message after an earlier one of its batch failed. */
    void skipped(Exchange x) {}

    /**
     * A ReadyForQuery arrived while this request was still waiting.
     *
     * @return true when it is the answer this request waited for (the exchange stops there)
     */
    boolean readyForQuery(Exchange x) {
        return false;
    }

    /** The client left before the answer came. */
    void interrupted(Exchange x) {}

    /** How the statement whose results or messages are arriving was decided; null when none. */
    StatementDecision decision() {
        return null;
    }

    /** The text of the statement whose results or messages are arriving; null when none. */
    String sql() {
        return null;
    }

    /** The refusal that replaces the server's error for this request, or null. */
    Refusal refusal() {
        return null;
    }

    /** The parameters of the statement, for the audit; null when none. */
    java.util.List<String> parameters() {
        return null;
    }

    /** A Sync: the end of an extended-protocol batch. */
    boolean isSync() {
        return false;
    }
}
