package dev.pgwarden.sidecar.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ts", "event"})
public record SessionStarted(
        String ts,
        String session,
        String subject,
        String issuer,
        String serviceAccount,
        String pod,
        List<String> groups,
        String policy,
        String database,
        String client,
        String clientUser,
        String applicationName,
        String upstreamRole,
        Integer upstreamPid,
        Map<String, String> parameters)
        implements AuditEvent {
    /** The line's {@code event} member: how readers of the audit stream tell this event apart. */
    public static final String EVENT = "session_start";

    @JsonProperty("event")
    public String event() {
        return EVENT;
    }
}
