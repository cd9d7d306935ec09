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
    @Required Action action) {
}
