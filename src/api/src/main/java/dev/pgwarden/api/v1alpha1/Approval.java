package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record Approval(
        @JsonPropertyDescription(
                "Wait holds the statement; Retry errors now and allows the same statement once approved.")
        ApprovalMode mode,

        @JsonPropertyDescription("How long a request stays open, e.g. 10m. Default 10m.")
        String timeout,

        Reviewers reviewers) {}
