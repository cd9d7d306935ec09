package dev.pgwarden.sidecar.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One statement and what came of it.
 *
 * @param outcome ok, error, suspended (a portal paused after maxRows) or skipped (never ran
 *     because an earlier statement of the same batch failed)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ts", "event"})
public record StatementAudited(
    String ts, String session, String subject, String policy, String database, String protocol,
    String statement, List<String> parameters, String outcome, String tag, Long rows,
    Double durationMs, String sqlstate) implements AuditEvent {
  @JsonProperty("event")
  public String event() {
    return "statement";
  }
}
