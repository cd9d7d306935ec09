package dev.pgwarden.api.v1alpha1;

public enum ApprovalMode {
    Wait,
    Retry
}
