package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record MaskingRule(
        @Required @JsonPropertyDescription("Columns as schema.table.column (or table.column for public).")
        List<String> columns,

        @Required MaskStrategy strategy,

        @JsonPropertyDescription("Refuse statements that filter or join on these columns. Default false.")
        Boolean denyPredicates) {}
