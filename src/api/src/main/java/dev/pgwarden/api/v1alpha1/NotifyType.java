package dev.pgwarden.api.v1alpha1;

/** The shape of the message a notification channel receives. */
public enum NotifyType {
    /** A Slack incoming webhook (or one that speaks its format): {@code text} and {@code blocks}. */
    Slack,
    /** Any HTTPS endpoint: pgwarden's own JSON body, documented in README. */
    Webhook
}
