package dev.pgwarden.sidecar.protocol;

import io.netty.buffer.ByteBuf;

/**
 * One whole protocol message, kept as the bytes that arrived so it can be relayed without
 * re-encoding. {@code type} is 0 for the untyped packets of the startup phase. Startup packets
 * own a reference to their frame; messages inside a {@link PgBatch} are views and must not be
 * released on their own.
 */
public record PgMessage(byte type, ByteBuf frame) implements OwnedBytes {
    public static final byte UNTYPED = 0;

    public int headerLength() {
        return type == UNTYPED ? 4 : 5;
    }

    /** The payload after type and length, as a slice sharing the frame's memory. */
    public ByteBuf body() {
        return frame.slice(frame.readerIndex() + headerLength(), frame.readableBytes() - headerLength());
    }

    public int length() {
        return frame.readableBytes();
    }

    @Override
    public ByteBuf content() {
        return frame;
    }

    @Override
    public String toString() {
        return "PgMessage[" + (type == UNTYPED ? "startup" : String.valueOf((char) type)) + ", " + length() + " bytes]";
    }
}
