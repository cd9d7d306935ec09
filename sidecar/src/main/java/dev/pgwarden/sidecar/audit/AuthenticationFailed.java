package dev.pgwarden.sidecar.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ts", "event"})
public record AuthenticationFailed(
        String ts, String session, String client, String clientUser, String reason, String sqlstate, String message)
        implements AuditEvent {
    /** The line's {@code event} member: how readers of the audit stream tell this event apart. */
    public static final String EVENT = "auth_failure";

    @JsonProperty("event")
    public String event() {
        return EVENT;
    }

    /** A refused connection is a session of one event. */
    @Override
    public boolean ends() {
        return true;
    }
}
