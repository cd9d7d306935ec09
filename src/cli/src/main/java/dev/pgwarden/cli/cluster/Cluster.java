package dev.pgwarden.cli.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;

/** A client of the user's cluster, and the namespace the command works in. */
public record Cluster(KubernetesClient client, String namespace) implements AutoCloseable {
    @Override
    public void close() {
        client.close();
    }
}
