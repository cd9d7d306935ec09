package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.RelayChunk;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * A row of pgwarden's own query (a trial's count) that arrives in pieces, because a read from the
 * server ended inside it: gathered whole, then read as the exchange reads any of its rows. Dropped,
 * the count would be missing and the trial judged over every limit, which a loaded machine made
 * happen to ordinary writes.
 */
final class HiddenRowGather {
    /** pgwarden's own rows are a count and a list of tables: anything larger is not one of them. */
    private static final int MAX = 1 << 20;

    private CompositeByteBuf row;

    void add(RelayChunk c, Exchange exchange, ByteBufAllocator alloc) {
        if (c.type() != ProtocolCodes.DATA_ROW) {
            c.bytes().release();
            return;
        }
        if (row == null) {
            row = alloc.compositeBuffer(Integer.MAX_VALUE);
        }
        row.addComponent(true, c.bytes());
        if (c.last()) {
            try {
                if (row.readableBytes() <= MAX) {
                    exchange.hiddenRow(new PgMessage(ProtocolCodes.DATA_ROW, row));
                }
            } finally {
                row.release();
                row = null;
            }
        }
    }
}
