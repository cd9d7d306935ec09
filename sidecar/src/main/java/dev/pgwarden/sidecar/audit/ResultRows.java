package dev.pgwarden.sidecar.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The first rows of a statement's result as the agent received them (masked values masked),
 * recorded when the policy's {@code recording.results} is {@code Rows}. It comes just before the
 * statement's own event.
 *
 * @param rows each value as text; null is SQL NULL; binary-format values as {@code \x} hex
 * @param truncated more rows came than {@code maxRowsPerStatement}, or a row too large to keep
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ts", "event"})
public record ResultRows(String ts, String session, List<String> columns, List<List<String>> rows, Boolean truncated)
        implements AuditEvent {
    /** The line's {@code event} member: how readers of the audit stream tell this event apart. */
    public static final String EVENT = "result_rows";

    @JsonProperty("event")
    public String event() {
        return EVENT;
    }
}
