package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record QueryApprovalStatus(ApprovalPhase phase, String reviewedBy, String reviewedAt) {}
