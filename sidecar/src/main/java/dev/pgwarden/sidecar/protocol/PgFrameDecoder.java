package dev.pgwarden.sidecar.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a byte stream into whole messages and emits them as {@link PgBatch}es: the consecutive
 * messages of one read, plus their bytes as one retained slice to relay in a single write. A
 * message the proxy need not read that has not fully arrived streams through as
 * {@link RelayChunk}s, never buffered whole. Types the proxy reads are size-capped. Nothing is
 * copied or re-encoded.
 *
 * <p>A frontend decoder starts in the startup phase, where packets carry no type byte (each is
 * emitted as a retained {@link PgMessage}), and leaves it after the first packet that is not an
 * SSLRequest or GSSENCRequest.
 */
public final class PgFrameDecoder extends ByteToMessageDecoder {
    private volatile FrameLimits limits;
    private boolean startupPhase;
    private byte streamingType;
    private int streamingRemaining;
    private boolean failed;

    private PgFrameDecoder(FrameLimits limits, boolean startupPhase) {
        this.limits = limits;
        this.startupPhase = startupPhase;
    }

    public static PgFrameDecoder frontend(FrameLimits limits) {
        return new PgFrameDecoder(limits, true);
    }

    public static PgFrameDecoder backend(FrameLimits limits) {
        return new PgFrameDecoder(limits, false);
    }

    /** Tightened before authentication, widened after it. */
    public void limits(FrameLimits limits) {
        this.limits = limits;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        List<PgMessage> batch = null;
        int batchStart = in.readerIndex();
        try {
            while (in.isReadable()) {
                if (streamingRemaining > 0) {
                    batch = emit(batch, batchStart, in, out);
                    int n = Math.min(in.readableBytes(), streamingRemaining);
                    streamingRemaining -= n;
                    out.add(new RelayChunk(streamingType, in.readRetainedSlice(n), streamingRemaining == 0));
                } else if (startupPhase) {
                    if (!decodeStartupPacket(in, out)) {
                        break;
                    }
                } else {
                    int start = in.readerIndex();
                    PgMessage whole = decodeTyped(in);
                    if (whole == null) {
                        if (streamingRemaining > 0) {
                            continue;
                        }
                        break;
                    }
                    if (batch == null) {
                        batch = new ArrayList<>(4);
                        batchStart = start;
                    }
                    batch.add(whole);
                }
            }
            emit(batch, batchStart, in, out);
        } catch (ProtocolException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    /** Adds the batch collected so far (if any) to out; returns null to start a new one. */
    private static List<PgMessage> emit(List<PgMessage> batch, int batchStart, ByteBuf in, List<Object> out) {
        if (batch != null) {
            // The messages are views; the batch's retained slice keeps their memory alive.
            out.add(new PgBatch(batch, in.retainedSlice(batchStart, in.readerIndex() - batchStart)));
        }
        return null;
    }

    private boolean decodeStartupPacket(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) {
            return false;
        }
        int length = in.getInt(in.readerIndex());
        if (length < 8 || length > ProtocolCodes.MAX_STARTUP_LENGTH) {
            throw new ProtocolException(
                    SqlState.PROTOCOL_VIOLATION,
                    "invalid startup packet length " + length
                            + ": this port speaks the PostgreSQL protocol, connect with a PostgreSQL client");
        }
        if (in.readableBytes() < length) {
            return false;
        }
        ByteBuf frame = in.readRetainedSlice(length);
        int code = frame.getInt(frame.readerIndex() + 4);
        if (code == ProtocolCodes.SSL_REQUEST || code == ProtocolCodes.GSSENC_REQUEST) {
            if (in.isReadable()) {
                frame.release();
                // Bytes sent before the encryption answer could be injected by a man in the middle.
                throw new ProtocolException(
                        SqlState.PROTOCOL_VIOLATION, "received unencrypted data after an encryption request");
            }
        } else {
            startupPhase = false;
        }
        out.add(new PgMessage(PgMessage.UNTYPED, frame));
        return true;
    }

    /**
     * @return a view of the next whole message (reader index moved past it), or null when more
     *     bytes are needed, or when an uncapped message is incomplete: then streaming starts at the
     *     reader index and {@code streamingRemaining} counts its whole length
     */
    private PgMessage decodeTyped(ByteBuf in) {
        if (in.readableBytes() < 5) {
            return null;
        }
        int start = in.readerIndex();
        byte type = in.getByte(start);
        int length = in.getInt(start + 1);
        if (length < 4) {
            throw new ProtocolException(
                    SqlState.PROTOCOL_VIOLATION,
                    "invalid length " + length + " in message type '" + printable(type) + "'");
        }
        long total = 1L + length;
        int max = limits.maxDecodedLength(type);
        if (max >= 0 && total > max) {
            throw new ProtocolException(
                    SqlState.PROGRAM_LIMIT_EXCEEDED,
                    "message type '" + printable(type) + "' of " + total + " bytes exceeds pgwarden's limit of " + max
                            + " bytes");
        }
        if (in.readableBytes() >= total) {
            PgMessage m = new PgMessage(type, in.slice(start, (int) total));
            in.skipBytes((int) total);
            return m;
        }
        if (max < 0) {
            streamingType = type;
            streamingRemaining = (int) total;
        }
        return null;
    }

    static String printable(byte type) {
        return type >= 0x20 && type < 0x7f ? String.valueOf((char) type) : String.format("0x%02x", type);
    }
}
