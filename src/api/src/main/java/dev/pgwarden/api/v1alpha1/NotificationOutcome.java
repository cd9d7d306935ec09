package dev.pgwarden.api.v1alpha1;

/** What became of telling one channel about a request. */
public enum NotificationOutcome {
    Delivered,
    /** Given up after the retries (or at once, when the channel cannot work: no Secret, a 4xx). */
    Failed
}
