package dev.pgwarden.operator;

import dev.pgwarden.operator.approval.ApprovalReconciler;
import dev.pgwarden.operator.events.EventRecorder;
import dev.pgwarden.operator.notify.ApprovalNotifier;
import dev.pgwarden.operator.notify.Backoff;
import dev.pgwarden.operator.policy.PolicyReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Builds the JOSDK {@link Operator} with both reconcilers exactly as production runs it, so tests
 * exercise the shipped configuration: server-side apply off (patches are plain JSON merge and
 * JSON patches, which every API server and Fabric8's mock server in CRUD mode understand).
 */
public final class Reconcilers {
    /** A database outage is retried for as long as it lasts, backing off to one attempt every 5 minutes. */
    static GenericRetry retry() {
        return new GenericRetry()
                .setInitialInterval(Duration.ofSeconds(5))
                .setIntervalMultiplier(2)
                .setMaxInterval(Duration.ofMinutes(5).toMillis())
                .withoutMaxAttempts();
    }

    /**
     * @param namespaces namespaces to watch; empty for all
     * @param leaderElection the Lease to hold before reconciling, or null to reconcile at once
     * @param metrics JOSDK's own metrics, or null
     * @param meters where pgwarden's own metrics go (notifications, pending approvals)
     * @param notifyBackoff how approval notifications are retried
     */
    public record Settings(
            Set<String> namespaces,
            Duration approvalRetention,
            LeaderElectionConfiguration leaderElection,
            Metrics metrics,
            Clock clock,
            String instance,
            MeterRegistry meters,
            Backoff notifyBackoff) {}

    private Reconcilers() {}

    public static Operator create(KubernetesClient client, Settings settings) {
        Consumer<ConfigurationServiceOverrider> config = o -> {
            o.withKubernetesClient(client)
                    .withCloseClientOnStop(false)
                    .withUseSSAToPatchPrimaryResource(false)
                    .withSSABasedCreateUpdateMatchForDependentResources(false);
            if (settings.leaderElection() != null) {
                o.withLeaderElectionConfiguration(settings.leaderElection());
            }
            if (settings.metrics() != null) {
                o.withMetrics(settings.metrics());
            }
        };
        Operator operator = new Operator(config);
        EventRecorder events = new EventRecorder(client, settings.instance(), settings.clock());
        operator.register(new PolicyReconciler(client, events, settings.clock()), c -> {
            c.withRetry(retry());
            namespaces(settings, c);
        });
        ApprovalNotifier notifier =
                new ApprovalNotifier(client, events, settings.clock(), settings.meters(), settings.notifyBackoff());
        operator.register(
                new ApprovalReconciler(
                        client, events, settings.clock(), settings.approvalRetention(), notifier, settings.meters()),
                c -> {
                    c.withRetry(retry());
                    namespaces(settings, c);
                });
        return operator;
    }

    private static void namespaces(
            Settings settings, io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider<?> c) {
        if (settings.namespaces().isEmpty()) {
            c.watchingAllNamespaces();
        } else {
            c.settingNamespaces(settings.namespaces());
        }
    }
}
