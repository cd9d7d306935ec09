package dev.pgwarden.sidecar.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Part of a message the proxy does not need to look inside (a DataRow or CopyData larger than
 * what has arrived so far). Chunks are relayed as they come so no message is ever buffered whole.
 */
public record RelayChunk(byte type, ByteBuf bytes, boolean last) implements OwnedBytes {
    @Override
    public ByteBuf content() {
        return bytes;
    }
}
