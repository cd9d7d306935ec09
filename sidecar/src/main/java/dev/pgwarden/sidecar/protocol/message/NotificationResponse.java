package dev.pgwarden.sidecar.protocol.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A NotificationResponse ('A'): the notifying backend's process id, the channel and the payload.
 * Clients skip their own notifications by comparing that id with the one BackendKeyData gave them,
 * which for a pgwarden client is not the backend's: so the id is rewritten on the way through.
 */
public final class NotificationResponse {
    private static final int PROCESS_ID_AT = 5;

    private NotificationResponse() {}

    /** @param frame a whole NotificationResponse, type byte and length included */
    public static int processId(ByteBuf frame) {
        return frame.getInt(frame.readerIndex() + PROCESS_ID_AT);
    }

    /** A copy of {@code frame} naming {@code processId} as the notifying process. */
    public static ByteBuf withProcessId(ByteBuf frame, int processId, ByteBufAllocator alloc) {
        ByteBuf copy = alloc.buffer(frame.readableBytes());
        copy.writeBytes(frame, frame.readerIndex(), frame.readableBytes());
        copy.setInt(PROCESS_ID_AT, processId);
        return copy;
    }
}
