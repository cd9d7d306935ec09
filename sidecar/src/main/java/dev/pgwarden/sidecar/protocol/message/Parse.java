package dev.pgwarden.sidecar.protocol.message;

import dev.pgwarden.sidecar.protocol.CStrings;
import io.netty.buffer.ByteBuf;

/**
 * A Parse ('P'): prepares {@code sql} under {@code name} ("" for the unnamed statement).
 *
 * @param parameterTypes the parameter type OIDs the client declared (0 for unspecified); may be
 *     fewer than the statement's parameters
 */
public record Parse(String name, String sql, int[] parameterTypes) {
    public static Parse read(ByteBuf body) {
        ByteBuf b = body.duplicate();
        String name = CStrings.read(b);
        String sql = CStrings.read(b);
        int[] types = new int[b.readUnsignedShort()];
        for (int i = 0; i < types.length; i++) {
            types[i] = b.readInt();
        }
        return new Parse(name, sql, types);
    }

    /** Only the statement's text, for a Parse refused before anything else is read. */
    public static String sqlOf(ByteBuf body) {
        ByteBuf b = body.duplicate();
        CStrings.read(b);
        return CStrings.read(b);
    }
}
