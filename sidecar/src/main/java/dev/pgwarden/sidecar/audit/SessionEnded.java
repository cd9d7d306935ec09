package dev.pgwarden.sidecar.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ts", "event"})
public record SessionEnded(
    String ts, String session, String subject, long durationMs, long statements,
    long bytesFromClient, long bytesToClient, String reason) implements AuditEvent {
  @JsonProperty("event")
  public String event() {
    return "session_end";
  }

  @Override
  public boolean ends() {
    return true;
  }
}
