package dev.pgwarden.sidecar.gate;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** What the session does for its gate; everything runs on the session's event loop. */
public interface GateOutput {
    /** Sends bytes to the server (written now, flushed at the end of the read). */
    void toServer(ByteBuf bytes);

    /** The client said goodbye: {@code lastBytes} (its Terminate) go to the server, then both close. */
    void terminate(ByteBuf lastBytes);

    /** Sends to the client at once (the answers of a trial run that stands). */
    void toClient(ByteBuf bytes);

    /** Sends a NoticeResponse at the next message boundary of the server-to-client stream. */
    void notice(ByteBuf notice);

    /** Stops or resumes reading from the client while a decision is pending. */
    void pauseReading(boolean paused);

    /** Runs a task on the session's event loop (decisions completed elsewhere come back here). */
    void onLoop(Runnable task);

    ByteBufAllocator alloc();

    /** The session cannot go on: ends it, telling the client why. */
    void failed(Throwable t);
}
