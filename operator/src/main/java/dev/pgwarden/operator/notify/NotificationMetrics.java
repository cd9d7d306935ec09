package dev.pgwarden.operator.notify;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code pgwarden_approval_notifications_failed_total} and {@code ..._delivered_total}, by channel
 * ({@code Slack:secret/key}) and namespace: a channel that fails is one reviewers never hear from.
 */
final class NotificationMetrics {
    static final String FAILED = "pgwarden.approval.notifications.failed";
    static final String DELIVERED = "pgwarden.approval.notifications.delivered";

    private final MeterRegistry registry;

    NotificationMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void failed(String namespace, String channel) {
        counter(FAILED, "approval requests a channel was not told of", namespace, channel)
                .increment();
    }

    void delivered(String namespace, String channel) {
        counter(DELIVERED, "approval requests a channel was told of", namespace, channel)
                .increment();
    }

    private Counter counter(String name, String description, String namespace, String channel) {
        return Counter.builder(name)
                .description(description)
                .tag("approval_namespace", namespace)
                .tag("channel", channel)
                .register(registry);
    }
}
