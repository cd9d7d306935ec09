package dev.pgwarden.sidecar.protocol.message;

import dev.pgwarden.sidecar.protocol.CStrings;
import io.netty.buffer.ByteBuf;

/** An Execute ('E') of a portal, at most {@code maxRows} rows (0: all). */
public record Execute(String portal, int maxRows) {
    public static Execute read(ByteBuf body) {
        ByteBuf b = body.duplicate();
        String portal = CStrings.read(b);
        return new Execute(portal, b.readInt());
    }

    /** Only the portal's name. */
    public static String portalOf(ByteBuf body) {
        return CStrings.first(body);
    }
}
