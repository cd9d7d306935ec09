package dev.pgwarden.sidecar.exchange;

import io.netty.buffer.ByteBuf;
import java.util.function.Consumer;

/**
 * A statement run as a trial, whose answers are held until its count decides: it stands (the
 * client gets what the server answered) or is dropped (rolled back; the client never sees it).
 */
public sealed interface HeldTrial permits TrialRun, TrialExecute {
    /** The answers held so far. */
    HeldOutput held();

    /** The trial stands as the real run: {@code client} gets what the server answered. */
    void stand(Exchange x, Consumer<ByteBuf> client);

    /** The trial is rolled back: what it held is released unseen. */
    void drop();
}
