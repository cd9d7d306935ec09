package dev.pgwarden.sidecar.audit;

/** Marker for the JSON events pgwarden writes, one line each, chained per session. */
public sealed interface AuditEvent
        permits SessionStarted, StatementAudited, ResultRows, NoticeSent, SessionEnded, AuthenticationFailed {
    /** The session the event belongs to: its chain and its recording. */
    String session();

    /** Whether this is the session's last event (its chain is complete). */
    default boolean ends() {
        return false;
    }
}
