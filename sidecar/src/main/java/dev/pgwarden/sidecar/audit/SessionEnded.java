package dev.pgwarden.sidecar.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ts", "event"})
public record SessionEnded(
        String ts,
        String session,
        String subject,
        long durationMs,
        long statements,
        long bytesFromClient,
        long bytesToClient,
        String reason)
        implements AuditEvent {
    /** The line's {@code event} member: how readers of the audit stream tell this event apart. */
    public static final String EVENT = "session_end";

    @JsonProperty("event")
    public String event() {
        return EVENT;
    }

    @Override
    public boolean ends() {
        return true;
    }
}
