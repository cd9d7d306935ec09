package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

/**
 * Guard rails for the agent's sessions: how long a statement may run or a transaction sit idle,
 * how large one statement's result may grow, and how many rows a session may change before its
 * writes need a reviewer. Every limit is optional; absent means unlimited.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Limits(
        @JsonPropertyDescription("The longest a statement may run (90s, 5m, 500ms): set as statement_timeout on the"
                + " database session; a SET, set_config or startup parameter that raises it or turns it off"
                + " (0) is refused, and pgwarden cancels a statement that runs longer anyway.")
        String statementTimeout,

        @JsonPropertyDescription("The longest a session may sit idle inside a transaction (30s, 5m): set as"
                + " idle_in_transaction_session_timeout; raising or turning it off is refused like"
                + " statementTimeout, and pgwarden ends a session idle in a transaction for longer.")
        String idleInTransactionTimeout,

        @JsonPropertyDescription("The most rows one statement's result may return (DataRows of one Execute or of one"
                + " statement of a Query, rows of COPY TO STDOUT): pgwarden stops the result, cancels the query and"
                + " ends the statement with error 54000.")
        @Min(1)
        Long maxResultRows,

        @JsonPropertyDescription("The most bytes one statement's result may return (rows as sent on the wire): like"
                + " maxResultRows, the statement ends with error 54000 before the row that would pass the limit.")
        @Min(1)
        Long maxResultBytes,

        @JsonPropertyDescription("Rows a session may change (INSERT, UPDATE, DELETE, MERGE, COPY FROM, by their"
                + " command tags) before every further write needs approval (RequireApproval, rule"
                + " limits.maxRowsChangedPerSession).")
        @Min(1)
        Long maxRowsChangedPerSession) {}
