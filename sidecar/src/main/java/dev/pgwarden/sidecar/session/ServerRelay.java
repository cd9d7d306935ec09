package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.exchange.ResultSample;
import dev.pgwarden.sidecar.masking.wire.RowMasker;
import dev.pgwarden.sidecar.protocol.PgBatch;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.ProtocolException;
import dev.pgwarden.sidecar.protocol.RelayChunk;
import dev.pgwarden.sidecar.protocol.SqlState;
import dev.pgwarden.sidecar.protocol.message.NotificationResponse;
import dev.pgwarden.sidecar.protocol.message.RowDescription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * The server-to-client half of a session, the handler on the upstream channel. A read's messages
 * go to the client in as few writes as possible: runs of messages pass as the bytes that arrived;
 * masked rows are rewritten into one buffer; a message the exchange replaces (a scrubbed error,
 * a refusal) or drops (the answer to pgwarden's own Describe) splits the run. A masked row too
 * large to arrive in one read is gathered whole (up to {@link #MAX_MASKED_ROW}); every other large
 * message streams through in chunks. pgwarden's own notices wait for a message boundary.
 */
final class ServerRelay extends ChannelInboundHandlerAdapter {
    private static final int MAX_MASKED_ROW = 64 * 1024 * 1024;

    private final ClientSession session;
    private final Exchange exchange;
    /** Samples results for the recording (policy recording.results: Rows), else null. */
    private final ResultSample sample;

    private final ArrayDeque<ByteBuf> noticesAtBoundary = new ArrayDeque<>();
    /** The last bytes written to the client ended inside a message relayed in chunks. */
    private boolean midMessage;
    /** Masked rows gathered from one read: they go out before anything that followed them. */
    private ByteBuf maskedRows;

    private CompositeByteBuf gatheredRow;
    /** The run of messages being relayed belongs to a trial: it is held, not sent (see Exchange#holding). */
    private boolean runHeld;

    private final HiddenRowGather hiddenRow = new HiddenRowGather();
    /** The policy's result limits; what passes them is swallowed up to ReadyForQuery. */
    private final ResultLimit limit;
    /** The rest of a message relayed in chunks is swallowed (its result passed a limit). */
    private boolean swallowingChunks;

    /** Cancels what runs past limits.statementTimeout; ends a session idle in a transaction too long. */
    private final StatementWatch watch;

    ServerRelay(
            ClientSession session, Exchange exchange, ResultSample sample, ResultLimit limit, StatementWatch watch) {
        this.session = session;
        this.exchange = exchange;
        this.sample = sample;
        this.limit = limit;
        this.watch = watch;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        watch.start(ctx.executor(), this::notice);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (session.closed()) {
            ReferenceCountUtil.release(msg);
        } else if (msg instanceof PgBatch batch) {
            relay(batch);
        } else {
            relay((RelayChunk) msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        session.client().flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        session.serverWritabilityChanged(ctx.channel().isWritable());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.serverClosed(null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        session.serverClosed(cause);
    }

    /** pgwarden's own notice: it goes out now, or after the message being relayed in chunks. */
    void notice(ByteBuf notice) {
        if (midMessage) {
            noticesAtBoundary.add(notice);
        } else {
            session.client().writeAndFlush(notice, session.client().voidPromise());
        }
    }

    // ---------------------------------------------------------------- whole messages

    private void relay(PgBatch batch) {
        int offset = 0;
        int runStart = 0;
        for (PgMessage m : batch.messages()) {
            ByteBuf replacement;
            boolean held = exchange.holding();
            if (held != runHeld) {
                // Where the output goes changes here: what came before goes where it was going.
                write(batch, runStart, offset);
                runStart = offset;
                runHeld = held;
            }
            if (limit.swallowing() && !exchange.hiding()) {
                if (!ResultLimit.passesWhileSwallowing(m.type())) {
                    write(batch, runStart, offset);
                    limit.swallow(m);
                    offset += m.length();
                    runStart = offset;
                    continue;
                }
                if (m.type() == ProtocolCodes.READY_FOR_QUERY) {
                    limit.readyForQuery();
                }
            }
            if ((m.type() == ProtocolCodes.DATA_ROW || m.type() == ProtocolCodes.COPY_DATA)
                    && !runHeld
                    && !exchange.hiding()) {
                String passed = limit.row(m.length());
                if (passed != null) {
                    write(batch, runStart, offset);
                    out(limit.passed(passed, m.type() == ProtocolCodes.COPY_DATA));
                    offset += m.length();
                    runStart = offset;
                    continue;
                }
            }
            if (ResultLimit.endsResult(m.type())) {
                limit.resultEnded();
                watch.resultEnded(m.type() == ProtocolCodes.READY_FOR_QUERY);
            }
            try {
                if (m.type() == ProtocolCodes.DATA_ROW && exchange.hiding()) {
                    // A row of pgwarden's own query: read, never sent.
                    write(batch, runStart, offset);
                    exchange.hiddenRow(m);
                    offset += m.length();
                    runStart = offset;
                    continue;
                }
                if (m.type() == ProtocolCodes.DATA_ROW) {
                    RowMasker masker =
                            exchange.rowsFor(m.body().getUnsignedShort(m.body().readerIndex()));
                    if (masker != null) {
                        if (offset > runStart) {
                            // What came before this row, unmasked (after any masked rows gathered before it).
                            write(batch, runStart, offset);
                        }
                        if (maskedRows == null) {
                            maskedRows = session.client().alloc().buffer(batch.length() - offset + 256);
                        }
                        int at = maskedRows.writerIndex();
                        masker.maskInto(m.frame(), maskedRows);
                        if (sample != null && !runHeld) {
                            sample.row(maskedRows, at);
                        }
                        offset += m.length();
                        runStart = offset;
                        continue;
                    }
                    if (sample != null && !runHeld) {
                        sample.row(m.frame(), m.frame().readerIndex());
                    }
                }
                RowDescription description = null;
                if (m.type() == ProtocolCodes.ROW_DESCRIPTION
                        && (sample != null || exchange.masking().enabled())) {
                    description = RowDescription.read(m.body());
                    if (sample != null) {
                        sample.describe(description);
                    }
                }
                replacement = exchange.fromServer(m, description);
            } catch (ProtocolException e) {
                // A row pgwarden cannot mask: the session ends rather than pass it.
                batch.release();
                releaseMaskedRows();
                session.fatal("unmaskable row: " + e.getMessage(), e.sqlState(), "pgwarden: " + e.getMessage());
                return;
            } catch (RuntimeException e) {
                batch.release();
                releaseMaskedRows();
                throw e;
            }
            if (m.type() == ProtocolCodes.NOTIFICATION && replacement == null) {
                // The notifying process as the client knows it: its own backend is the pid it was given.
                int notifier = NotificationResponse.processId(m.frame());
                replacement = NotificationResponse.withProcessId(
                        m.frame(),
                        notifier == session.upstreamProcessId() ? session.clientProcessId() : notifier,
                        session.client().alloc());
            }
            if (m.type() == ProtocolCodes.PARAMETER_STATUS && !ProtectedSettings.hold(m)) {
                batch.release();
                releaseMaskedRows();
                session.fatal("protected setting changed", SqlState.FEATURE_NOT_SUPPORTED, ProtectedSettings.BROKEN);
                return;
            }
            if (replacement != null) {
                // A scrubbed error, or the refusal that replaces a stand-in's error.
                write(batch, runStart, offset);
                if (replacement != Exchange.DROP) {
                    writeMaskedRows();
                    out(replacement);
                }
                runStart = offset + m.length();
            }
            offset += m.length();
        }
        write(batch, runStart, offset);
        batch.release();
        midMessage = false;
        flushNotices();
        if (limit.cancelDue()) {
            session.cancelServerForLimit();
        }
    }

    private void write(PgBatch batch, int from, int to) {
        writeMaskedRows();
        if (to > from) {
            out(batch.bytes().retainedSlice(batch.bytes().readerIndex() + from, to - from));
        }
    }

    private void writeMaskedRows() {
        if (maskedRows != null) {
            out(maskedRows);
            maskedRows = null;
        }
    }

    /** Output for the client: sent, or held while it belongs to a trial run. */
    private void out(ByteBuf bytes) {
        if (runHeld) {
            exchange.hold(bytes);
        } else {
            toClient(bytes);
        }
    }

    /** Sends to the client (a trial's held output, once it stands, comes through here too). */
    void toClient(ByteBuf bytes) {
        session.countToClient(bytes.readableBytes());
        session.client().write(bytes, session.client().voidPromise());
    }

    private void releaseMaskedRows() {
        if (maskedRows != null) {
            maskedRows.release();
            maskedRows = null;
        }
    }

    private void flushNotices() {
        while (!noticesAtBoundary.isEmpty()) {
            session.client().write(noticesAtBoundary.poll(), session.client().voidPromise());
        }
    }

    // ---------------------------------------------------------------- messages in chunks

    private void relay(RelayChunk c) {
        if (swallowingChunks) {
            swallowingChunks = !c.last();
            c.bytes().release();
            return;
        }
        if (!midMessage && gatheredRow == null) {
            runHeld = exchange.holding();
            if (!exchange.hiding() && limitedChunk(c)) {
                swallowingChunks = !c.last();
                c.bytes().release();
                return;
            }
        }
        if (exchange.hiding()) {
            hiddenRow.add(c, exchange, session.client().alloc());
            return;
        }
        // Decided at a row's first chunk (midMessage is false there); one too short to show the column
        // count is gathered too, and the whole row decides.
        if (c.type() == ProtocolCodes.DATA_ROW
                && (gatheredRow != null
                        || !midMessage
                                && (c.bytes().readableBytes() < 7
                                        || exchange.rowsFor(columnCount(c.bytes())) != null))) {
            gather(c);
            return;
        }
        if (sample != null && c.type() == ProtocolCodes.DATA_ROW && !midMessage) {
            sample.skipped(); // streamed through in pieces: too large to keep
        }
        out(c.bytes());
        midMessage = !c.last();
        if (!midMessage) {
            flushNotices();
        }
    }

    /**
     * A row too large to arrive in one read, in a result that is masked: gathered whole so its
     * masked columns can be replaced. A larger one than {@link #MAX_MASKED_ROW} cannot be masked and
     * ends the session rather than pass.
     */
    private void gather(RelayChunk c) {
        if (gatheredRow == null) {
            gatheredRow = session.client().alloc().compositeBuffer(Integer.MAX_VALUE);
        }
        gatheredRow.addComponent(true, c.bytes());
        if (gatheredRow.readableBytes() > MAX_MASKED_ROW) {
            gatheredRow.release();
            gatheredRow = null;
            session.fatal(
                    "masked row too large",
                    SqlState.PROGRAM_LIMIT_EXCEEDED,
                    "pgwarden: a result row of more than " + MAX_MASKED_ROW
                            + " bytes holds masked columns, and pgwarden masks rows whole; select fewer or smaller columns");
            return;
        }
        if (!c.last()) {
            return;
        }
        CompositeByteBuf whole = gatheredRow;
        gatheredRow = null;
        try {
            RowMasker masker = exchange.rowsFor(whole.getUnsignedShort(whole.readerIndex() + 5));
            ByteBuf masked = masker == null
                    ? whole.retain()
                    : masker.mask(whole, session.client().alloc());
            if (sample != null && !runHeld) {
                sample.row(masked, masked.readerIndex());
            }
            out(masked);
        } finally {
            whole.release();
        }
        midMessage = false;
        flushNotices();
    }

    /** A large message's first chunk: swallowed after a passed limit, or when its row (length in the header) passes one. */
    private boolean limitedChunk(RelayChunk first) {
        if (limit.swallowing()) {
            return true;
        }
        if (runHeld || first.type() != ProtocolCodes.DATA_ROW && first.type() != ProtocolCodes.COPY_DATA) {
            return false;
        }
        ByteBuf b = first.bytes();
        // The decoder starts a chunked message at its header, so the first chunk holds its length.
        long length = b.readableBytes() >= 5 ? b.getUnsignedInt(b.readerIndex() + 1) + 1 : b.readableBytes();
        String passed = limit.row(length);
        if (passed == null) {
            return false;
        }
        out(limit.passed(passed, first.type() == ProtocolCodes.COPY_DATA));
        session.client().flush();
        if (limit.cancelDue()) {
            session.cancelServerForLimit();
        }
        return true;
    }

    private static int columnCount(ByteBuf firstChunk) {
        return firstChunk.readableBytes() >= 7 ? firstChunk.getUnsignedShort(firstChunk.readerIndex() + 5) : 0;
    }

    /** The session ended: what waits here is released. */
    void release() {
        watch.stop();
        noticesAtBoundary.forEach(ReferenceCountUtil::safeRelease);
        noticesAtBoundary.clear();
        if (gatheredRow != null) {
            gatheredRow.release();
            gatheredRow = null;
        }
        releaseMaskedRows();
    }
}
