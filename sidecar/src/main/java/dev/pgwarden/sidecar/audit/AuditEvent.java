package dev.pgwarden.sidecar.audit;

/** Marker for the JSON events pgwarden writes, one line each. */
public sealed interface AuditEvent permits SessionStarted, StatementAudited, SessionEnded, AuthenticationFailed {
}
