package dev.pgwarden.api.v1alpha1;

public enum ApprovalPhase {
    Pending,
    Approved,
    Denied,
    Expired,
    Executed,
    Failed
}
