package dev.pgwarden.api.v1alpha1;

public enum RecordedResults {
    None,
    Summary,
    Rows
}
