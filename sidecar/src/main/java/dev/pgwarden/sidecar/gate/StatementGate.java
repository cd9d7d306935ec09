package dev.pgwarden.sidecar.gate;

import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.exchange.PendingChanges;
import dev.pgwarden.sidecar.exchange.Portal;
import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.PgBatch;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.ProtocolException;
import dev.pgwarden.sidecar.protocol.RelayChunk;
import dev.pgwarden.sidecar.protocol.SqlState;
import dev.pgwarden.sidecar.protocol.message.Close;
import dev.pgwarden.sidecar.protocol.message.Describe;
import dev.pgwarden.sidecar.protocol.message.Execute;
import dev.pgwarden.sidecar.protocol.message.FunctionCall;
import dev.pgwarden.sidecar.protocol.message.Parse;
import dev.pgwarden.sidecar.protocol.message.ServerNames;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Decides every statement before it reaches the database, in the order the client sent it.
 *
 * <p>Messages pass through in runs; a statement the policy allows costs a cache lookup. When a
 * decision cannot be made at once (a shape seen for the first time must be parsed on the worker
 * pool; a statement waits for a human; the masking catalog must be read), the gate pauses: it
 * stops reading from the client and keeps what already arrived, in order, until the decision is
 * in. Nothing behind a held statement overtakes it. What to decide is {@link StatementDecisions}'
 * job; this class keeps the order and the bytes.
 *
 * <p>A refused statement is never sent. In its place the server gets a statement that fails to
 * parse, so the server itself produces the error at the right point of the response stream, ends
 * the transaction block as any error would, and (extended protocol) skips to Sync. The exchange
 * then swaps that error for pgwarden's own before the client sees it.
 */
public final class StatementGate {
    /** Fails in the server's parser, so it never runs anything, in any transaction state. */
    static final String REFUSED_SQL = "pgwarden refused this statement";

    private static final String REFUSED_STATEMENT_NAME = ReservedNames.PREFIX + "refused";

    /** What became of the message at the cursor. */
    enum Step {
        FORWARD,
        REPLACED,
        WAIT,
        TERMINATE
    }

    private final ArrayDeque<Object> inbox = new ArrayDeque<>();
    private final Exchange exchange;
    private final GateOutput out;
    private final StatementDecisions decisions;
    private final QueryDecisions queries;
    private final ExtendedDecisions extended;
    /** A message to send the server just before the one being inspected (a Describe masking needs). */
    private ByteBuf injectBefore;
    /**
     * What the server gets instead of the message being inspected (a refused statement's
     * stand-in): sent only after the messages before it, which may still wait in the current run.
     */
    private ByteBuf replaceWith;
    /** Index of the next message to inspect in the batch at the head of the inbox, and its byte offset. */
    private int cursor;

    private int cursorOffset;
    private boolean paused;
    private boolean closed;
    /** After a refusal in the extended protocol the server skips to Sync: so can the gate. */
    private boolean refusedUntilSync;
    /** The portal the client's last message described (its answer comes before an Execute's rows). */
    private String describedPortal;
    /** The next message starts a batch (nothing was sent since the last Sync or Query). */
    private boolean batchStart = true;

    public StatementGate(GateContext context, Exchange exchange, GateOutput out) {
        this.exchange = exchange;
        this.out = out;
        this.decisions = new StatementDecisions(context, exchange, out, this);
        this.queries = decisions.queries();
        this.extended = decisions.extended();
    }

    public void offer(Object msg) {
        if (closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        inbox.add(msg);
        drain();
    }

    /** The client left: drop what waits, withdraw a pending approval. */
    public void close() {
        closed = true;
        if (injectBefore != null) {
            injectBefore.release();
            injectBefore = null;
        }
        if (replaceWith != null) {
            replaceWith.release();
            replaceWith = null;
        }
        decisions.close();
        inbox.forEach(ReferenceCountUtil::safeRelease);
        inbox.clear();
    }

    private void drain() {
        while (!paused && !closed && !inbox.isEmpty()) {
            Object head = inbox.peek();
            if (head instanceof RelayChunk chunk) {
                inbox.poll();
                out.toServer(chunk.bytes());
                continue;
            }
            PgBatch batch = (PgBatch) head;
            int runStart = cursorOffset;
            while (cursor < batch.messages().size()) {
                PgMessage m = batch.messages().get(cursor);
                Step step;
                try {
                    step = inspect(m);
                } catch (RuntimeException e) {
                    // Never relayed: a message the proxy cannot read is a message it cannot judge or audit.
                    releaseAll();
                    out.failed(
                            e instanceof IndexOutOfBoundsException
                                    ? new ProtocolException(
                                            SqlState.PROTOCOL_VIOLATION,
                                            "malformed message type '" + (char) m.type()
                                                    + "': its contents do not match its length")
                                    : e);
                    return;
                }
                if (step == Step.FORWARD) {
                    if (injectBefore != null) {
                        writeRange(batch, runStart, cursorOffset);
                        out.toServer(injectBefore);
                        injectBefore = null;
                        runStart = cursorOffset;
                    }
                    cursorOffset += m.length();
                    cursor++;
                    continue;
                }
                writeRange(batch, runStart, cursorOffset);
                if (step == Step.WAIT) {
                    // What the decision sends while it waits (a trial's Execute) goes after what preceded it.
                    sendInjected();
                    if (replaceWith != null) {
                        out.toServer(replaceWith);
                        replaceWith = null;
                    }
                    paused = true;
                    out.pauseReading(true);
                    return;
                }
                if (step == Step.TERMINATE) {
                    inbox.poll();
                    out.terminate(batch.bytes().retainedSlice(cursorOffset, m.length()));
                    batch.release();
                    releaseAll();
                    return;
                }
                sendInjected();
                if (replaceWith != null) {
                    out.toServer(replaceWith);
                    replaceWith = null;
                }
                cursorOffset += m.length();
                cursor++;
                runStart = cursorOffset;
            }
            writeRange(batch, runStart, cursorOffset);
            inbox.poll();
            batch.release();
            cursor = 0;
            cursorOffset = 0;
        }
    }

    /** A decision the gate waited for is in: go on from the message it paused at. */
    void resume() {
        if (closed) {
            return;
        }
        paused = false;
        drain();
        if (!paused && !closed) {
            out.pauseReading(false);
        }
    }

    boolean closed() {
        return closed;
    }

    private void writeRange(PgBatch batch, int from, int to) {
        if (to > from) {
            out.toServer(batch.bytes().retainedSlice(batch.bytes().readerIndex() + from, to - from));
        }
    }

    private void releaseAll() {
        inbox.forEach(ReferenceCountUtil::safeRelease);
        inbox.clear();
        cursor = 0;
        cursorOffset = 0;
    }

    // ---------------------------------------------------------------- per message

    private Step inspect(PgMessage m) {
        Step step = inspectMessage(m);
        if (step != Step.WAIT && m.type() != ProtocolCodes.FLUSH && !(batchStart && m.type() == ProtocolCodes.CLOSE)) {
            // A Close ahead of a batch's first Parse or Bind runs nothing (pgjdbc frees the statements
            // it dropped from its cache so, when the garbage collector says): the next message still
            // starts the batch, and may open a trial's savepoint.
            byte t = m.type();
            batchStart = t == ProtocolCodes.SYNC || t == ProtocolCodes.QUERY || t == ProtocolCodes.FUNCTION_CALL;
        }
        return step;
    }

    private Step inspectMessage(PgMessage m) {
        byte type = m.type();
        String described = describedPortal;
        if (type != ProtocolCodes.FLUSH) {
            describedPortal = null;
        }
        if (type == ProtocolCodes.TERMINATE) {
            return Step.TERMINATE;
        }
        if (refusedUntilSync) {
            // The server skips everything up to Sync after the refused statement's stand-in failed.
            if (type == ProtocolCodes.SYNC) {
                refusedUntilSync = false;
                if (extended.trialOpen()) {
                    replaceWith = extended.finishTrial(m.frame().retainedDuplicate());
                    return Step.REPLACED;
                }
            }
            skipped(m);
            return Step.FORWARD;
        }
        boolean statement = type == ProtocolCodes.QUERY || type == ProtocolCodes.PARSE || type == ProtocolCodes.EXECUTE;
        if (statement) {
            Step early = decisions.beforeStatement(m);
            if (early != null) {
                return early;
            }
        }
        return switch (type) {
            case ProtocolCodes.QUERY -> queries.query(m);
            case ProtocolCodes.PARSE -> {
                Step early = batchStart ? extended.batchStarts(extended.parsed(m), null) : null;
                yield early != null ? early : extended.parse(m);
            }
            case ProtocolCodes.EXECUTE -> extended.execute(m, described);
            case ProtocolCodes.FUNCTION_CALL ->
                refuseQuery(Refusals.functionCall(FunctionCall.read(m.body()).functionOid()), PendingChanges.NONE);
            case ProtocolCodes.BIND -> {
                Step early = batchStart
                        ? extended.batchStarts(
                                extended.bound(m),
                                dev.pgwarden.sidecar.protocol.message.Bind.statementOf(m.body())
                                                .isEmpty()
                                        ? exchange.objects().unnamedStatement()
                                        : null)
                        : null;
                if (early != null) {
                    yield early;
                }
                exchange.bind(m.body());
                yield Step.FORWARD;
            }
            case ProtocolCodes.DESCRIBE -> {
                Describe d = Describe.read(m.body());
                exchange.describe(d);
                describedPortal = d.portal() ? ServerNames.ofProtocolName(d.name()) : null;
                yield Step.FORWARD;
            }
            case ProtocolCodes.CLOSE -> {
                exchange.close(Close.read(m.body()));
                yield Step.FORWARD;
            }
            case ProtocolCodes.SYNC -> {
                if (extended.trialOpen()) {
                    // The batch ran inside a trial's savepoint: the Sync, then what settles it.
                    replaceWith = extended.finishTrial(m.frame().retainedDuplicate());
                    yield Step.REPLACED;
                }
                exchange.sync();
                yield Step.FORWARD;
            }
            default -> Step.FORWARD;
        };
    }

    /** A message the server will skip (it follows a refused statement's stand-in in the same batch). */
    private void skipped(PgMessage m) {
        switch (m.type()) {
            case ProtocolCodes.QUERY -> exchange.skippedQuery(m.body());
            case ProtocolCodes.PARSE -> exchange.parse(Parse.read(m.body()), null);
            case ProtocolCodes.BIND -> exchange.bind(m.body());
            case ProtocolCodes.EXECUTE -> {
                String portal = Execute.portalOf(m.body());
                Portal p =
                        exchange.objects().portal(portal).stream().findFirst().orElse(null);
                exchange.execute(
                        portal,
                        p instanceof Portal.Bound b ? b.statement().sql() : null,
                        p instanceof Portal.Bound b ? b.parameters() : null,
                        null,
                        PendingChanges.NONE,
                        null);
            }
            case ProtocolCodes.DESCRIBE -> exchange.describe(Describe.read(m.body()));
            case ProtocolCodes.CLOSE -> exchange.close(Close.read(m.body()));
            case ProtocolCodes.SYNC -> exchange.sync();
            default -> {}
        }
    }

    // ---------------------------------------------------------------- what the server gets instead

    /** The statement (and its whole Query) is refused: the server gets a Query that fails to parse. */
    Step refuseQuery(Refusals.Refuse refuse, PendingChanges changes) {
        changes.failed();
        replaceWith = Messages.query(out.alloc(), REFUSED_SQL);
        exchange.refused(true, refuse.statements(), java.util.List.of(), refuse.decisions(), refuse.refusal());
        return Step.REPLACED;
    }

    /** A Parse or Execute is refused: the server gets a Parse that fails, and skips to Sync. */
    Step refuseExtended(String sql, java.util.List<String> params, Refusals.Refuse refuse, PendingChanges changes) {
        changes.failed();
        replaceWith = Messages.parse(out.alloc(), REFUSED_STATEMENT_NAME, REFUSED_SQL);
        exchange.refused(
                false,
                java.util.List.of(sql == null ? "" : sql),
                params == null ? java.util.List.of() : params,
                refuse.decisions().isEmpty()
                        ? java.util.List.of()
                        : java.util.List.of(refuse.decisions().get(0)),
                refuse.refusal());
        refusedUntilSync = true;
        return Step.REPLACED;
    }

    /** Sends {@code bytes} just before the message being inspected. */
    void injectNow(ByteBuf bytes) {
        if (injectBefore != null) {
            ByteBuf both = out.alloc().buffer(injectBefore.readableBytes() + bytes.readableBytes());
            both.writeBytes(injectBefore).writeBytes(bytes);
            injectBefore.release();
            bytes.release();
            injectBefore = both;
        } else {
            injectBefore = bytes;
        }
    }

    /** Sends {@code bytes} once what precedes the message being inspected is sent, as the gate starts waiting. */
    void sendBeforeWaiting(ByteBuf bytes) {
        replaceWith = bytes;
    }

    /** Sends what waits to go before the message being inspected now (the gate sends that message itself). */
    void sendInjected() {
        if (injectBefore != null) {
            out.toServer(injectBefore);
            injectBefore = null;
        }
    }

    /** pgwarden's own Describe of {@code portal}, sent just before the Execute being inspected. */
    void injectDescribe(String portal) {
        injectNow(Messages.describePortal(out.alloc(), portal));
        exchange.describeInjected(portal);
    }
}
