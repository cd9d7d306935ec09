package dev.pgwarden.sidecar.audit;

/** Where audit events go. Implementations must never drop an event silently. */
public interface AuditSink extends AutoCloseable {
  void emit(AuditEvent event);

  @Override
  void close();
}
