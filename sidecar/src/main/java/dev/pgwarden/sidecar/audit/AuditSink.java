package dev.pgwarden.sidecar.audit;

/** Where audit events go. Implementations must never drop an event silently. */
public interface AuditSink extends AutoCloseable {
    void emit(AuditEvent event);

    /**
     * Why statements cannot be recorded now (the recording spool is full or unwritable), or null
     * when they can. A fail-closed policy refuses statements while this is not null.
     */
    default String cannotRecord() {
        return null;
    }

    @Override
    void close();
}
