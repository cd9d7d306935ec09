package dev.pgwarden.sidecar.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The protocol's NUL-terminated UTF-8 strings, read one way everywhere: a string without its
 * terminator is a malformed message (the server rejects it too), never a string that runs to the
 * end of the frame.
 */
public final class CStrings {
    private CStrings() {}

    /** Reads the string at the reader index and moves past its terminator. */
    public static String read(ByteBuf b) {
        int end = b.indexOf(b.readerIndex(), b.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new ProtocolException(SqlState.PROTOCOL_VIOLATION, "invalid string in message: no terminator");
        }
        String s = b.toString(b.readerIndex(), end - b.readerIndex(), StandardCharsets.UTF_8);
        b.readerIndex(end + 1);
        return s;
    }

    /** The string at the start of {@code body}, leaving its indexes alone. */
    public static String first(ByteBuf body) {
        return read(body.duplicate());
    }

    /** Writes {@code s} and its terminator. */
    public static void write(ByteBuf b, String s) {
        b.writeCharSequence(s, StandardCharsets.UTF_8);
        b.writeByte(0);
    }
}
