package dev.pgwarden.sidecar.protocol.message;

import dev.pgwarden.sidecar.protocol.CStrings;
import dev.pgwarden.sidecar.protocol.ProtocolException;
import dev.pgwarden.sidecar.protocol.SqlState;
import io.netty.buffer.ByteBuf;

/** A Describe ('D') of a prepared statement ('S') or a portal ('P'). */
public record Describe(boolean portal, String name) {
    public static Describe read(ByteBuf body) {
        ByteBuf b = body.duplicate();
        boolean portal = Target.read(b);
        return new Describe(portal, CStrings.read(b));
    }

    /** The 'S' or 'P' byte of Describe and Close. */
    static final class Target {
        private Target() {}

        /** @return true for a portal, false for a statement */
        static boolean read(ByteBuf b) {
            byte what = b.readByte();
            if (what != 'S' && what != 'P') {
                throw new ProtocolException(
                        SqlState.PROTOCOL_VIOLATION,
                        "invalid target '" + (char) what + "': expected 'S' (statement) or 'P' (portal)");
            }
            return what == 'P';
        }
    }
}
