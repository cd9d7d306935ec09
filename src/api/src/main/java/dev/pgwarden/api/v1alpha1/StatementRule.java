package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatementRule(
        @Required String name,
        @Required List<StatementKind> statements,

        @JsonPropertyDescription("Match only UPDATE/DELETE with no WHERE clause, or one that is always true.")
        Boolean withoutWhere,

        @JsonPropertyDescription(
                "Match only writes that change more than this many rows: the statement first runs as a"
                        + " trial in a savepoint, its row count decides, and at or under the limit the trial stands as the real run."
                        + " For INSERT, UPDATE, DELETE, MERGE, COPY_FROM and code pgwarden cannot see into (DO, CALL, functions).")
        Long changesMoreThan,

        @Required Action action) {

    /** Kinds whose changed rows a trial can count. */
    public static final java.util.Set<StatementKind> COUNTABLE = java.util.EnumSet.of(
            StatementKind.INSERT,
            StatementKind.UPDATE,
            StatementKind.DELETE,
            StatementKind.MERGE,
            StatementKind.COPY_FROM,
            StatementKind.DO,
            StatementKind.CALL);

    public StatementRule(String name, java.util.List<StatementKind> statements, Boolean withoutWhere, Action action) {
        this(name, statements, withoutWhere, null, action);
    }
}
