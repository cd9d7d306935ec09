package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record QueryApprovalStatus(
        ApprovalPhase phase,
        String reviewedBy,
        String reviewedAt,

        @JsonPropertyDescription("The policy's approval.notify channels told of this request, written by the operator.")
        List<ApprovalNotification> notifications) {

    public QueryApprovalStatus(ApprovalPhase phase, String reviewedBy, String reviewedAt) {
        this(phase, reviewedBy, reviewedAt, null);
    }

    public List<ApprovalNotification> notificationsOrEmpty() {
        return notifications == null ? List.of() : notifications;
    }
}
