package dev.pgwarden.sidecar.exchange;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a trial run answered, held from the client until the trial stands (then it is sent as it
 * is) or is rolled back (then it is dropped). Capped: a trial whose answer is larger (RETURNING
 * rows, say) overflows, and an overflowing trial is rolled back, the strict side.
 */
final class HeldOutput {
    /** More than this much held output ends the trial as if the limit was passed. */
    static final int MAX_HELD_BYTES = 8 * 1024 * 1024;

    private final List<ByteBuf> held = new ArrayList<>();
    private long bytes;
    private boolean overflow;
    private boolean settled;

    void add(ByteBuf b) {
        if (overflow || settled) {
            b.release();
            return;
        }
        bytes += b.readableBytes();
        held.add(b);
        if (bytes > MAX_HELD_BYTES) {
            overflow = true;
            drop();
            settled = false;
        }
    }

    boolean overflow() {
        return overflow;
    }

    /** Sends what was held. */
    void release(Consumer<ByteBuf> client) {
        settled = true;
        held.forEach(client);
        held.clear();
    }

    void drop() {
        settled = true;
        held.forEach(ReferenceCountUtil::safeRelease);
        held.clear();
    }
}
