package dev.pgwarden.sidecar.protocol.message;

import io.netty.buffer.ByteBuf;

/** A fast-path FunctionCall ('F'): the function is named by its OID only. */
public record FunctionCall(long functionOid) {
    public static FunctionCall read(ByteBuf body) {
        return new FunctionCall(body.getUnsignedInt(body.readerIndex()));
    }
}
