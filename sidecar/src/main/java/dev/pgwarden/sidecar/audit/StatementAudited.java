package dev.pgwarden.sidecar.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One statement and what came of it.
 *
 * @param outcome ok, error, suspended (a portal paused after maxRows), skipped (never ran
 *     because an earlier statement of the same batch failed), refused (pgwarden did not run it) or
 *     interrupted (the client left before the answer)
 * @param kind the statement's kind; {@code effects} lists every kind it performs when that is more
 * @param decision the policy's action: Allow, RequireApproval or Deny
 * @param rule the rule or built-in guard that decided
 * @param approval the QueryApproval involved; {@code approvalOutcome} approved, denied, expired,
 *     pending, requested or unavailable; {@code reviewer} who decided it, when known
 * @param masked the masked columns the statement named or expanded (schema.table.column); when the
 *     policy masks columns, a statement that may hold masked values is recorded by its fingerprint
 *     (literals as {@code ?}) and its parameters as {@code [redacted]}
 * @param message the error the agent got, as it got it (masking scrubs it first)
 * @param reason why the agent says it ran the statement: a leading {@code pgwarden:reason} comment
 *     or the session's {@code pgwarden.reason} setting, one line, clipped
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ts", "event"})
public record StatementAudited(
        String ts,
        String session,
        String subject,
        String policy,
        String database,
        String protocol,
        String statement,
        List<String> parameters,
        String outcome,
        String tag,
        Long rows,
        Double durationMs,
        String sqlstate,
        String kind,
        List<String> effects,
        List<String> tables,
        String decision,
        String rule,
        String approval,
        String approvalOutcome,
        String reviewer,
        List<String> masked,
        String message,
        String reason)
        implements AuditEvent {
    /** The line's {@code event} member: how readers of the audit stream tell this event apart. */
    public static final String EVENT = "statement";

    @JsonProperty("event")
    public String event() {
        return EVENT;
    }
}
