package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.protocol.message.RowDescription;
import io.netty.buffer.ByteBuf;

/**
 * A Describe of a statement or portal, the client's or pgwarden's own (sent ahead of an Execute
 * whose rows masking must read): the answer describes the object as the server has it at that
 * point, and pgwarden's own answer never reaches the client.
 */
final class DescribeRequest extends PendingRequest {
    private final boolean portal;
    private final String name;
    private final boolean injected;

    DescribeRequest(boolean portal, String name, boolean injected) {
        this.portal = portal;
        this.name = name;
        this.injected = injected;
    }

    @Override
    ByteBuf rowDescription(Exchange x, RowDescription d) {
        x.pop(this);
        x.described(portal, name, d);
        return injected ? Exchange.DROP : null;
    }

    @Override
    ByteBuf noData(Exchange x) {
        x.pop(this);
        x.described(portal, name, RowDescription.NONE);
        return injected ? Exchange.DROP : null;
    }
}
