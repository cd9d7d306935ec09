package dev.pgwarden.sidecar.protocol.message;

import io.netty.buffer.ByteBuf;

/** A ReadyForQuery ('Z') and the transaction status it reports. */
public record ReadyForQuery(char status) {
    public static final char IDLE = 'I';
    public static final char IN_TRANSACTION = 'T';
    public static final char FAILED_TRANSACTION = 'E';

    public static ReadyForQuery read(ByteBuf body) {
        return new ReadyForQuery((char) body.getByte(body.readerIndex()));
    }

    /** Outside any transaction block: portals and non-holdable cursors are gone. */
    public boolean idle() {
        return status == IDLE;
    }
}
