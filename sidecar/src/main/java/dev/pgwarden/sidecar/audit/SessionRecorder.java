package dev.pgwarden.sidecar.audit;

/**
 * Keeps each session's sealed lines beside the audit stream: the session recording. Declared here
 * so that the audit writer hands lines over without knowing how or where recordings are stored.
 *
 * <p>Every method but {@link #cannotRecord()} is called by the audit writer thread only.
 */
public interface SessionRecorder extends AutoCloseable {
    /**
     * One sealed line of the session, exactly as written to the audit stream: {@code line} up to
     * {@code length}, without its newline. The array is the writer's and is reused after the call.
     */
    void append(String session, byte[] line, int length);

    /** The session ended: its recording is complete. */
    void end(String session);

    /** After each batch, and when idle: a chance to make written lines durable and finish what is due. */
    void afterBatch();

    /** Why statements cannot be recorded now, or null when they can. */
    String cannotRecord();

    /** Finishes and hands over what is recorded so far; called as the audit writer stops. */
    @Override
    void close();
}
