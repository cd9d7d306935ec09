package dev.pgwarden.cli.cluster;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Whether a command works on the Kubernetes cluster of the user's kubeconfig or on a running
 * {@code pgwarden local}, and how it reaches the cluster. {@code pgwarden} works locally unless
 * given {@code --cluster}; run as {@code kubectl pgwarden} it works on the cluster unless given
 * {@code --no-cluster}.
 */
public final class ClusterOptions {
    @Option(
            names = "--cluster",
            negatable = true,
            description = "Work on the Kubernetes cluster of your kubeconfig (QueryApprovals), not on a running"
                    + " `pgwarden local`. The default when run as `kubectl pgwarden`; --no-cluster turns it off.")
    Boolean cluster;

    @Option(
            names = {"-n", "--namespace"},
            paramLabel = "NAMESPACE",
            description = "With --cluster: the namespace. Default: the kubeconfig context's, else default.")
    String namespace;

    @Option(
            names = "--context",
            paramLabel = "CONTEXT",
            description = "With --cluster: the kubeconfig context. Default: the current context.")
    String context;

    @Option(
            names = "--kubeconfig",
            paramLabel = "FILE",
            description = "With --cluster: the kubeconfig file. Default: KUBECONFIG, else ~/.kube/config.")
    Path kubeconfig;

    private boolean clusterByDefault;

    /** Run as {@code kubectl pgwarden}: the cluster unless {@code --no-cluster}. */
    public void defaultToCluster() {
        clusterByDefault = true;
    }

    public boolean selected() {
        return cluster != null ? cluster : clusterByDefault;
    }

    /** The first option given that only means something for a cluster, or null. */
    public String clusterOptionGiven() {
        return namespace != null
                ? "--namespace"
                : context != null ? "--context" : kubeconfig != null ? "--kubeconfig" : null;
    }

    /** Refuses cluster options on a local command, where they would be silently ignored. */
    public void checkLocal(CommandLine command, boolean allNamespaces) {
        String given = clusterOptionGiven() != null ? clusterOptionGiven() : allNamespaces ? "--all-namespaces" : null;
        if (given != null) {
            throw new ParameterException(
                    command,
                    given + " is for a cluster: add --cluster (as `kubectl pgwarden` it is the default), or leave "
                            + given + " out to work on the running `pgwarden local`");
        }
    }

    /** Refuses a local-only option in cluster mode. */
    public static void refuseLocalOption(CommandLine command, Object value, String option) {
        if (value != null) {
            throw new ParameterException(
                    command, option + " is for `pgwarden local`; in a cluster, choose with --context and -n");
        }
    }

    /** A client for the chosen context and the namespace to work in. */
    public Cluster connect() throws ClusterException {
        Config config;
        try {
            if (kubeconfig != null) {
                if (!Files.isReadable(kubeconfig)) {
                    throw new ClusterException("cannot read kubeconfig " + kubeconfig);
                }
                config = Config.fromKubeconfig(context, kubeconfig.toFile());
            } else {
                if (Config.getKubeconfigFilenames().stream().noneMatch(f -> Files.isReadable(Path.of(f)))
                        && System.getenv("KUBERNETES_SERVICE_HOST") == null) {
                    throw new ClusterException("no kubeconfig: set KUBECONFIG, write ~/.kube/config (your cluster's"
                            + " login command does), or give --kubeconfig FILE");
                }
                config = Config.autoConfigure(context);
            }
            // A reviewer at a terminal: fail within seconds, as kubectl does, not after a long backoff.
            config.setRequestRetryBackoffLimit(1);
        } catch (KubernetesClientException e) {
            throw new ClusterException("cannot load the kubeconfig: " + e.getMessage());
        }
        NamedContext current = config.getCurrentContext();
        if (context != null && (current == null || !context.equals(current.getName()))) {
            throw new ClusterException("no context " + context + " in the kubeconfig"
                    + (kubeconfig == null ? " (KUBECONFIG, else ~/.kube/config)" : " " + kubeconfig));
        }
        String ns = namespace != null ? namespace : config.getNamespace() != null ? config.getNamespace() : "default";
        return new Cluster(new KubernetesClientBuilder().withConfig(config).build(), ns);
    }
}
