package dev.pgwarden.sidecar.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * A decoded unit holding one reference to its bytes. Being {@link ReferenceCounted}, it is
 * released by Netty's own utilities wherever a message is dropped (held messages of a session that
 * closes, data arriving after close), like any buffer.
 */
public interface OwnedBytes extends ReferenceCounted {
    ByteBuf content();

    @Override
    default int refCnt() {
        return content().refCnt();
    }

    @Override
    default OwnedBytes retain() {
        content().retain();
        return this;
    }

    @Override
    default OwnedBytes retain(int increment) {
        content().retain(increment);
        return this;
    }

    @Override
    default OwnedBytes touch() {
        content().touch();
        return this;
    }

    @Override
    default OwnedBytes touch(Object hint) {
        content().touch(hint);
        return this;
    }

    @Override
    default boolean release() {
        return content().release();
    }

    @Override
    default boolean release(int decrement) {
        return content().release(decrement);
    }
}
