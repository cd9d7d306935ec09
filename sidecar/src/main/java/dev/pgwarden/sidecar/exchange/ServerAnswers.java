package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.masking.wire.RowMasker;
import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.message.CommandComplete;
import dev.pgwarden.sidecar.protocol.message.ErrorFields;
import dev.pgwarden.sidecar.protocol.message.ReadyForQuery;
import dev.pgwarden.sidecar.protocol.message.RowDescription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;

/**
 * The server side of the {@link Exchange}: each server message goes to the pending request at the
 * head of the queue the exchange fills in the order the client sent. Errors and notices are
 * scrubbed here, a refusal replaces its stand-in's error, ReadyForQuery settles the queue and
 * the transaction status it reports, and the first DataRow of a result decides its masking.
 */
final class ServerAnswers {
    private final Exchange exchange;
    /** The exchange's queue: the exchange adds to it, the server's answers take from it. */
    private final ArrayDeque<PendingRequest> queue;

    private final SessionAudit audit;
    private final SessionObjects objects;
    private final ResultMasking masking;
    private final ByteBufAllocator alloc;
    /** The transaction status of the last ReadyForQuery: idle, in a transaction block, or in a failed one. */
    private char transactionStatus = ReadyForQuery.IDLE;

    ServerAnswers(
            Exchange exchange,
            ArrayDeque<PendingRequest> queue,
            SessionAudit audit,
            SessionObjects objects,
            ResultMasking masking,
            ByteBufAllocator alloc) {
        this.exchange = exchange;
        this.queue = queue;
        this.audit = audit;
        this.objects = objects;
        this.masking = masking;
        this.alloc = alloc;
    }

    /** See {@link Exchange#fromServer}. */
    ByteBuf fromServer(PgMessage m, RowDescription description) {
        PendingRequest head = queue.peek();
        if (head instanceof HiddenRequest hidden) {
            return hidden(hidden, m);
        }
        switch (m.type()) {
            case ProtocolCodes.PARSE_COMPLETE, ProtocolCodes.BIND_COMPLETE, ProtocolCodes.CLOSE_COMPLETE -> {
                if (head != null) {
                    head.acknowledged(exchange);
                }
            }
            case ProtocolCodes.NO_DATA -> {
                return head == null ? null : head.noData(exchange);
            }
            case ProtocolCodes.ROW_DESCRIPTION -> {
                return head == null ? null : head.rowDescription(exchange, description);
            }
            case ProtocolCodes.COMMAND_COMPLETE -> {
                masking.endRows();
                String tag = CommandComplete.read(m.body()).tag();
                transactionTag(tag);
                if (head != null) {
                    head.commandComplete(exchange, tag);
                }
            }
            case ProtocolCodes.EMPTY_QUERY -> {
                masking.endRows();
                if (head != null) {
                    head.emptyQuery(exchange);
                }
            }
            case ProtocolCodes.PORTAL_SUSPENDED -> {
                masking.endRows();
                if (head != null) {
                    head.portalSuspended(exchange);
                }
            }
            case ProtocolCodes.ERROR_RESPONSE -> {
                return error(head, m);
            }
            case ProtocolCodes.NOTICE_RESPONSE -> {
                ByteBuf scrubbed =
                        head == null ? masking.scrub(m, null, null) : masking.scrub(m, head.decision(), head.sql());
                ErrorFields seen = scrubbed == null ? ErrorFields.read(m.body()) : ErrorFields.ofFrame(scrubbed);
                audit.notice(seen.severity(), seen.sqlState(), seen.message());
                return scrubbed;
            }
            case ProtocolCodes.READY_FOR_QUERY -> {
                return readyForQuery(ReadyForQuery.read(m.body()));
            }
            default -> {}
        }
        return null;
    }

    /** pgwarden's own query: every answer is its alone, but for a ReadyForQuery it hands on. */
    private ByteBuf hidden(HiddenRequest head, PgMessage m) {
        switch (m.type()) {
            case ProtocolCodes.PARSE_COMPLETE, ProtocolCodes.BIND_COMPLETE, ProtocolCodes.CLOSE_COMPLETE ->
                head.acknowledged(exchange);
            case ProtocolCodes.COMMAND_COMPLETE ->
                head.commandComplete(exchange, CommandComplete.read(m.body()).tag());
            case ProtocolCodes.ERROR_RESPONSE -> {
                ErrorFields e = ErrorFields.read(m.body());
                boolean inBatch = head.inBatch();
                head.failed(exchange, e.sqlState(), e.message());
                if (inBatch) {
                    // The client's own messages after it are skipped: the client must hear why. The
                    // error is of pgwarden's own statement, which reads no table and no value.
                    return Messages.report(
                            alloc,
                            ProtocolCodes.ERROR_RESPONSE,
                            "ERROR",
                            e.sqlState(),
                            "pgwarden could not count the rows the statement changes, so it did not run: "
                                    + e.message(),
                            null,
                            "Run it again; a statement_timeout too short for pgwarden's own count causes this");
                }
            }
            case ProtocolCodes.READY_FOR_QUERY -> {
                boolean delivers = head.deliversReadyForQuery();
                readyForQuery(ReadyForQuery.read(m.body()));
                return delivers ? null : Exchange.DROP;
            }
            default -> {}
        }
        return Exchange.DROP;
    }

    private ByteBuf error(PendingRequest head, PgMessage m) {
        masking.endRows();
        if (head != null && head.refusal() != null) {
            Refusal r = head.refusal();
            head.failed(exchange, null, null);
            return Messages.report(
                    alloc, ProtocolCodes.ERROR_RESPONSE, "ERROR", r.sqlState(), r.message(), r.detail(), r.hint());
        }
        ByteBuf scrubbed = head == null ? masking.scrub(m, null, null) : masking.scrub(m, head.decision(), head.sql());
        ErrorFields seen = scrubbed == null ? ErrorFields.read(m.body()) : ErrorFields.ofFrame(scrubbed);
        if (head != null) {
            head.failed(exchange, ErrorFields.read(m.body()).sqlState(), seen.message());
        }
        return scrubbed;
    }

    /** @return DROP when the ReadyForQuery ends a trial run (the client gets the one that settles it) */
    private ByteBuf readyForQuery(ReadyForQuery rfq) {
        masking.endRows();
        transactionStatus = rfq.status();
        boolean trial = queue.peek() instanceof TrialRun
                || queue.peek() instanceof SyncRequest sync && sync.swallowsReadyForQuery();
        while (!queue.isEmpty()) {
            if (queue.peek().readyForQuery(exchange)) {
                break;
            }
        }
        if (rfq.idle()) {
            // Out of any transaction: portals are gone, and DDL sent in it is settled.
            objects.transactionEnded();
            masking.transactionEnded();
        }
        return trial ? Exchange.DROP : null;
    }

    /**
     * Follows BEGIN, COMMIT and ROLLBACK between ReadyForQuery messages: in the middle of an
     * extended-protocol batch the last ReadyForQuery no longer says where the session is.
     */
    private void transactionTag(String tag) {
        if (tag.equals("BEGIN") || tag.equals("START TRANSACTION")) {
            transactionStatus = ReadyForQuery.IN_TRANSACTION;
        } else if ((tag.equals("COMMIT") || tag.equals("ROLLBACK")) && transactionStatus != ReadyForQuery.IDLE) {
            transactionStatus = ReadyForQuery.IDLE;
        }
    }

    /** The transaction status of the last ReadyForQuery ('I', 'T' or 'E'). */
    char transactionStatus() {
        return transactionStatus;
    }

    /** How to mask a DataRow of the current result (its column count), or null to relay it as it is. */
    RowMasker rowsFor(int columnCount) {
        if (!masking.enabled()) {
            return null;
        }
        if (!masking.rowsDecided()) {
            decideRows(columnCount);
        }
        return masking.rows();
    }

    /** Decides the masking of an Execute's rows at its first row: they carry no description of their own. */
    private void decideRows(int columnCount) {
        PendingRequest head = queue.peek();
        RowDescription columns = head instanceof ExecuteRequest e ? objects.rowsOf(e.portal()) : null;
        if (columns == null || columns.size() != columnCount) {
            // Never described (it should have been), or rows outside any known result: none passes.
            masking.startRows(RowDescription.unknown(columnCount), null);
        } else {
            masking.startRows(columns, head.decision());
        }
    }
}
