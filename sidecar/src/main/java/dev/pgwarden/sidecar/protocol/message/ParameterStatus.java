package dev.pgwarden.sidecar.protocol.message;

import dev.pgwarden.sidecar.protocol.CStrings;
import io.netty.buffer.ByteBuf;

/** A ParameterStatus ('S'): the server reports a setting's new value. */
public record ParameterStatus(String name, String value) {
    public static ParameterStatus read(ByteBuf body) {
        ByteBuf b = body.duplicate();
        return new ParameterStatus(CStrings.read(b), CStrings.read(b));
    }
}
