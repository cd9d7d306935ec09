package dev.pgwarden.sidecar.session;

import dev.pgwarden.api.policy.SessionLimits;
import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.exchange.SessionAudit;
import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.SqlState;
import dev.pgwarden.sidecar.protocol.message.RowDescription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.function.Supplier;

/**
 * The policy's {@code limits.maxResultRows} and {@code limits.maxResultBytes} on one session's
 * results. Rows are counted per result: the DataRows of one statement of a Query, of one Execute
 * (an Execute with a row count that ends in PortalSuspended is a result of its own, so a client
 * that fetches in pieces never meets the limit), or the CopyData of one COPY ... TO STDOUT (a row
 * each). Bytes are the rows' whole messages as sent. A row is checked before any of it is sent:
 * the row that would pass a limit is never sent, so the client gets whole rows and then the error.
 *
 * <p>Once a limit is passed, the result is over for the client: it gets an ErrorResponse (54000,
 * naming the limit and how to ask for less), and everything the server answers after it, up to
 * ReadyForQuery, is swallowed (still read by the exchange, which audits it), as PostgreSQL itself
 * would skip the rest of a Query or batch after an error. The server is asked to cancel the query
 * (see {@link ServerRelay}); if it finished first, the statement and any after it in the same
 * Query or batch have run, and the audit says so.
 */
final class ResultLimit {
    private final Supplier<SessionLimits> limits;
    private final SessionAudit audit;
    private final Exchange exchange;
    private final ByteBufAllocator alloc;

    private SessionLimits current;
    private long rows;
    private long bytes;
    /** A limit was passed: answers are swallowed up to ReadyForQuery. */
    private boolean swallowing;
    /** The server was asked to cancel since the limit was passed. */
    private boolean cancelSent;

    ResultLimit(Supplier<SessionLimits> limits, SessionAudit audit, Exchange exchange, ByteBufAllocator alloc) {
        this.limits = limits;
        this.audit = audit;
        this.exchange = exchange;
        this.alloc = alloc;
    }

    /** Whether the session's policy limits results at all (read per result: a reload may change it). */
    private SessionLimits current() {
        if (current == null) {
            current = limits.get();
        }
        return current;
    }

    /**
     * A row (a DataRow or a CopyData of COPY TO) of {@code length} bytes is about to go to the client.
     *
     * @return the error that ends the result instead, when this row passes a limit; null to send it
     */
    String row(long length) {
        SessionLimits l = current();
        if (l.maxResultRows() <= 0 && l.maxResultBytes() <= 0) {
            return null;
        }
        if (l.maxResultRows() > 0 && rows + 1 > l.maxResultRows()) {
            swallowing = true;
            return "limits.maxResultRows (" + l.maxResultRows() + " rows)";
        }
        if (l.maxResultBytes() > 0 && bytes + length > l.maxResultBytes()) {
            swallowing = true;
            return "limits.maxResultBytes (" + l.maxResultBytes() + " bytes)";
        }
        rows++;
        bytes += length;
        return null;
    }

    /** The result ended (CommandComplete, EmptyQueryResponse, PortalSuspended, ErrorResponse): the next one counts afresh. */
    void resultEnded() {
        rows = 0;
        bytes = 0;
        current = null;
    }

    /** Everything since the limit was passed is answered: the session goes on. */
    void readyForQuery() {
        resultEnded();
        swallowing = false;
        cancelSent = false;
    }

    /** The server's answers are swallowed now (a limit was passed and ReadyForQuery has not come). */
    boolean swallowing() {
        return swallowing;
    }

    /** @return true once after a limit was passed, while the server still works on the Query or batch */
    boolean cancelDue() {
        if (!swallowing || cancelSent) {
            return false;
        }
        cancelSent = true;
        return true;
    }

    /** Messages passed on to the client while the rest of a result is swallowed: they are not part of it. */
    static boolean passesWhileSwallowing(byte type) {
        return type == ProtocolCodes.READY_FOR_QUERY
                || type == ProtocolCodes.NOTICE_RESPONSE
                || type == ProtocolCodes.NOTIFICATION
                || type == ProtocolCodes.PARAMETER_STATUS;
    }

    /** Messages that end a result: the next row belongs to another one. */
    static boolean endsResult(byte type) {
        return type == ProtocolCodes.COMMAND_COMPLETE
                || type == ProtocolCodes.EMPTY_QUERY
                || type == ProtocolCodes.PORTAL_SUSPENDED
                || type == ProtocolCodes.ERROR_RESPONSE
                || type == ProtocolCodes.READY_FOR_QUERY;
    }

    /**
     * A message after the result passed a limit: the exchange reads it (the audit, the session's
     * names, the masking state follow the server), the client does not get it.
     */
    void swallow(PgMessage m) {
        if (m.type() == ProtocolCodes.DATA_ROW || m.type() == ProtocolCodes.COPY_DATA) {
            return;
        }
        RowDescription d =
                m.type() == ProtocolCodes.ROW_DESCRIPTION && exchange.masking().enabled()
                        ? RowDescription.read(m.body())
                        : null;
        ByteBuf replacement = exchange.fromServer(m, d);
        if (replacement != null && replacement != Exchange.DROP) {
            replacement.release();
        }
    }

    /**
     * The result passed {@code limit} (as {@link #row} said): the audit records it for the statement.
     *
     * @return the error the client gets in place of the rest of the result
     */
    ByteBuf passed(String limit, boolean copy) {
        audit.resultLimited(message(limit));
        return error(limit, copy);
    }

    private ByteBuf error(String limit, boolean copy) {
        SessionLimits l = current();
        long suggested = l.maxResultRows() > 0 ? Math.min(l.maxResultRows(), 1000) : 100;
        return Messages.report(
                alloc,
                ProtocolCodes.ERROR_RESPONSE,
                "ERROR",
                SqlState.PROGRAM_LIMIT_EXCEEDED,
                message(limit),
                "The result was stopped after " + rows + " rows (" + bytes + " bytes) and the query was cancelled;"
                        + " the rows already sent are all there is of it.",
                copy
                        ? "Copy fewer rows: COPY (SELECT ... LIMIT " + suggested + ") TO STDOUT, or copy in ranges."
                        : "Ask for fewer rows or smaller ones: add LIMIT " + suggested
                                + " (and ORDER BY) to the query, select fewer columns, or read it in pieces"
                                + " with a cursor (DECLARE c CURSOR FOR ...; FETCH " + suggested + " FROM c).");
    }

    /** What the client and the audit are told. */
    private static String message(String limit) {
        return "pgwarden: the statement's result passed the policy's " + limit + "; it was stopped";
    }
}
