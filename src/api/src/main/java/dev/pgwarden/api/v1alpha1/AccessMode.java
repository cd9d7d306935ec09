package dev.pgwarden.api.v1alpha1;

public enum AccessMode {
    /** Every write is denied, whatever the rules say. */
    ReadOnly,
    ReadWrite
}
