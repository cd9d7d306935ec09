package dev.pgwarden.operator;

import dev.pgwarden.api.policy.Durations;
import dev.pgwarden.operator.notify.Backoff;
import dev.pgwarden.operator.ops.OpsServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The operator process: reconcilers (behind leader election), admission webhooks (every replica), probes and metrics. */
@Command(
        name = "pgwarden-operator",
        mixinStandardHelpOptions = true,
        description =
                "Reconciles DatabaseAccessPolicy and QueryApproval objects and serves pgwarden's admission webhooks.")
public final class OperatorMain implements Callable<Integer> {
    static final String LEASE = "pgwarden-operator";

    @Option(
            names = "--namespace",
            defaultValue = "${env:POD_NAMESPACE}",
            description =
                    "The operator's own namespace: its Lease and webhook certificate live there. Default: $POD_NAMESPACE.")
    String namespace;

    @Option(
            names = "--watch-namespaces",
            defaultValue = "",
            description = "Comma-separated namespaces to reconcile. Default: all.")
    String watchNamespaces;

    @Option(
            names = "--leader-election",
            defaultValue = "true",
            arity = "0..1",
            fallbackValue = "true",
            description = "Reconcile only while holding the Lease " + LEASE + " (webhooks are served by every replica)."
                    + " Default ${DEFAULT-VALUE}.")
    boolean leaderElection;

    @Option(
            names = "--ops-listen",
            defaultValue = "0.0.0.0:8080",
            description = "/healthz, /readyz, /metrics. Default ${DEFAULT-VALUE}.")
    String opsListen;

    @Option(
            names = "--approval-retention",
            defaultValue = "24h",
            description = "How long decided or expired QueryApprovals are kept. Default ${DEFAULT-VALUE}.")
    String approvalRetention;

    @CommandLine.Mixin
    WebhookOptions webhooks = new WebhookOptions();

    /**
     * A replica that loses the Lease while running exits and is restarted, the safe way to make sure
     * two replicas never reconcile at once; tests that run the operator in-process turn it off.
     */
    boolean exitOnLostLease = true;

    @Override
    public Integer call() throws Exception {
        Running running = start();
        Runtime.getRuntime().addShutdownHook(new Thread(running::close, "pgwarden-operator-shutdown"));
        System.err.printf(
                "pgwarden-operator started: ops on %s, webhooks on %s, namespaces %s, leader election %s%n",
                running.ops().address(),
                webhooks.listen,
                running.namespaces().isEmpty() ? "all" : running.namespaces(),
                leaderElection ? "on (Lease " + namespace + "/" + LEASE + ")" : "off");
        running.awaitClose();
        return 0;
    }

    /** Starts everything and returns at once; the reconcilers begin when this replica holds the Lease. */
    Running start() throws Exception {
        if (namespace == null || namespace.isBlank()) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this),
                    "--namespace (or POD_NAMESPACE) is required: the Lease and the webhook certificate live there");
        }
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        KubernetesClient client = new KubernetesClientBuilder().build();
        String instance = System.getenv()
                .getOrDefault("POD_NAME", InetAddress.getLocalHost().getHostName());
        Set<String> namespaces = Arrays.stream(watchNamespaces.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
        AtomicBoolean stopping = new AtomicBoolean();
        // JOSDK's own exit-on-stop-leading calls System.exit also when the operator is stopped by the
        // SIGTERM shutdown hook, and System.exit inside a shutdown deadlocks: the pod then hangs until
        // SIGKILL. Exit only when the Lease is lost while running, and from a thread of its own.
        LeaderCallbacks onLease = new LeaderCallbacks(
                () -> {},
                () -> {
                    if (exitOnLostLease && !stopping.get()) {
                        System.err.println("pgwarden-operator lost Lease " + namespace + "/" + LEASE
                                + "; exiting so that it restarts" + " as a follower");
                        new Thread(() -> System.exit(1), "pgwarden-operator-lost-lease").start();
                    }
                },
                leader -> {});
        LeaderElectionConfiguration lease = leaderElection
                ? new LeaderElectionConfiguration(
                        LEASE,
                        namespace,
                        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                        instance,
                        onLease,
                        false)
                : null;
        Operator operator = Reconcilers.create(
                client,
                new Reconcilers.Settings(
                        namespaces,
                        Durations.parse(approvalRetention),
                        lease,
                        MicrometerMetrics.withoutPerResourceMetrics(metrics),
                        Clock.systemUTC(),
                        instance,
                        metrics,
                        Backoff.DEFAULT));
        AutoCloseable webhookServer = webhooks.start(client, namespace);
        // Readiness is about serving webhooks, which every replica does; informers only run on the leader.
        OpsServer ops = OpsServer.start(
                parse(opsListen),
                metrics,
                () -> operator.getRuntimeInfo().allEventSourcesAreHealthy()
                        ? null
                        : "informers unhealthy: "
                                + operator.getRuntimeInfo()
                                        .unhealthyEventSources()
                                        .keySet());
        operator.start();
        return new Running(operator, webhookServer, ops, client, namespaces, stopping, new CountDownLatch(1));
    }

    /** A started operator process. */
    record Running(
            Operator operator,
            AutoCloseable webhookServer,
            OpsServer ops,
            KubernetesClient client,
            Set<String> namespaces,
            AtomicBoolean stopping,
            CountDownLatch closed)
            implements AutoCloseable {
        void awaitClose() throws InterruptedException {
            closed.await();
        }

        @Override
        public void close() {
            if (closed.getCount() == 0) {
                return;
            }
            stopping.set(true); // giving up the Lease now is the plan, not a reason to exit
            operator.stop();
            try {
                webhookServer.close();
            } catch (Exception e) {
                // shutting down anyway
            }
            ops.close();
            client.close();
            closed.countDown();
        }
    }

    static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected host:port, got " + hostPort);
        }
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new OperatorMain()).execute(args));
    }
}
