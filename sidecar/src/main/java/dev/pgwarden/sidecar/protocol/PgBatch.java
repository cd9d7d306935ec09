package dev.pgwarden.sidecar.protocol;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Consecutive whole messages that arrived in one read, with their bytes as one retained slice.
 * The proxy inspects {@code messages} and relays {@code bytes} in a single write, so a typical
 * request or response costs one write however many messages it holds. The messages' frames are
 * views into {@code bytes}: valid while {@code bytes} is, and never released on their own.
 */
public record PgBatch(List<PgMessage> messages, ByteBuf bytes) implements OwnedBytes {
    @Override
    public ByteBuf content() {
        return bytes;
    }

    public int length() {
        return bytes.readableBytes();
    }
}
