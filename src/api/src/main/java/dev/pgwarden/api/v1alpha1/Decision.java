package dev.pgwarden.api.v1alpha1;

public enum Decision {
    Pending,
    Approved,
    Denied
}
