package dev.pgwarden.sidecar.protocol.message;

import dev.pgwarden.sidecar.protocol.CStrings;
import io.netty.buffer.ByteBuf;

/** A Close ('C') of a prepared statement or a portal: the server confirms it even when the name is unknown. */
public record Close(boolean portal, String name) {
    public static Close read(ByteBuf body) {
        ByteBuf b = body.duplicate();
        boolean portal = Describe.Target.read(b);
        return new Close(portal, CStrings.read(b));
    }
}
