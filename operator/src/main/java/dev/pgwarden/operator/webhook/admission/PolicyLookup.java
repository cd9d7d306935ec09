package dev.pgwarden.operator.webhook.admission;

import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;

/**
 * Finds a DatabaseAccessPolicy by namespace and name. Errors from the API server propagate as
 * exceptions: a handler must refuse then (fail closed), never treat "could not ask" as "absent".
 */
public final class PolicyLookup {
    private final KubernetesClient client;

    public PolicyLookup(KubernetesClient client) {
        this.client = client;
    }

    public Optional<DatabaseAccessPolicy> find(String namespace, String name) {
        return Optional.ofNullable(client.resources(DatabaseAccessPolicy.class)
                .inNamespace(namespace)
                .withName(name)
                .get());
    }
}
