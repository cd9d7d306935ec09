package dev.pgwarden.sidecar.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** A notice or warning the agent received, from the database or from pgwarden, as it got it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ts", "event"})
public record NoticeSent(String ts, String session, String severity, String sqlstate, String message)
        implements AuditEvent {
    /** The line's {@code event} member: how readers of the audit stream tell this event apart. */
    public static final String EVENT = "notice";

    @JsonProperty("event")
    public String event() {
        return EVENT;
    }
}
