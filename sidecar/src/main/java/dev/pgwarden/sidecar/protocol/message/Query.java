package dev.pgwarden.sidecar.protocol.message;

import dev.pgwarden.sidecar.protocol.CStrings;
import io.netty.buffer.ByteBuf;

/** A simple-protocol Query ('Q'): one string of one or more statements. */
public record Query(String sql) {
    public static Query read(ByteBuf body) {
        return new Query(CStrings.first(body));
    }
}
