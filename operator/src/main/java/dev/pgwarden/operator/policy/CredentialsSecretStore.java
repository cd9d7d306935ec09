package dev.pgwarden.operator.policy;

import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.operator.policy.CredentialsSecret.Issued;
import dev.pgwarden.operator.policy.ReconcileProblem.Reason;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Set;

/**
 * The credentials Secrets, read from the informer cache and written through the API. The cache
 * holds the Secrets pgwarden labelled as its own, so a reconcile reads its applied state without
 * an API call; what pgwarden writes goes into the cache at once, so the next reconcile never works
 * from a version older than its own write. A Secret edited or deleted by hand triggers a reconcile
 * that writes it again.
 */
final class CredentialsSecretStore {
    static final String EVENT_SOURCE = "credentials-secrets";

    private final KubernetesClient client;

    CredentialsSecretStore(KubernetesClient client) {
        this.client = client;
    }

    static InformerEventSource<Secret, DatabaseAccessPolicy> eventSource(
            EventSourceContext<DatabaseAccessPolicy> context) {
        InformerEventSourceConfiguration<Secret> secrets = InformerEventSourceConfiguration.from(
                        Secret.class, DatabaseAccessPolicy.class)
                .withName(EVENT_SOURCE)
                .withLabelSelector(PgwardenLabels.MANAGED_BY + "=" + PgwardenLabels.MANAGED_BY_PGWARDEN)
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(secret -> {
                    String policy = secret.getMetadata().getLabels().get(PgwardenLabels.POLICY);
                    return policy == null
                            ? Set.of()
                            : Set.of(new ResourceID(policy, secret.getMetadata().getNamespace()));
                })
                .build();
        return new InformerEventSource<>(secrets, context);
    }

    /** The Secret pgwarden wrote for the policy, from the cache; a foreign Secret of that name is none of ours. */
    LastApplied ours(DatabaseAccessPolicy policy, Context<DatabaseAccessPolicy> context) {
        Secret cached = cache(context).get(id(policy)).orElse(null);
        return cached == null ? LastApplied.NONE : read(cached);
    }

    /**
     * Like {@link #ours}, but before pgwarden writes the Secret: when the cache has none, the API
     * is asked, since a Secret of that name that pgwarden did not create must not be overwritten.
     */
    LastApplied beforeWriting(DatabaseAccessPolicy policy, Context<DatabaseAccessPolicy> context) {
        LastApplied cached = ours(policy, context);
        if (cached.secret() != null) {
            return cached;
        }
        String name = CredentialsSecret.name(policy.getMetadata().getName());
        Secret secret = client.secrets()
                .inNamespace(policy.getMetadata().getNamespace())
                .withName(name)
                .get();
        if (secret != null && !CredentialsSecret.managedByUs(secret)) {
            throw new ReconcileProblem(
                    Reason.KubernetesError,
                    "Secret " + name + " exists but pgwarden did not create it;"
                            + " rename or delete it so pgwarden can write the policy's credentials there");
        }
        return secret == null ? LastApplied.NONE : read(secret);
    }

    /** Writes the Secret for {@code issued} with {@code keys} (those {@code applied} holds, or new ones). */
    void write(
            DatabaseAccessPolicy policy,
            Issued issued,
            CredentialsSecret.Keys keys,
            LastApplied applied,
            Context<DatabaseAccessPolicy> context) {
        Secret existing = applied.secret();
        Secret desired = CredentialsSecret.desired(policy, issued, keys, existing, client.getKubernetesSerialization());
        try {
            writeDesired(policy, desired, existing, context);
        } catch (KubernetesClientException e) {
            throw new ReconcileProblem(
                    Reason.KubernetesError,
                    "could not write Secret " + desired.getMetadata().getName() + " in namespace "
                            + policy.getMetadata().getNamespace() + " (HTTP " + e.getCode() + "): "
                            + e.getMessage()
                            + (e.getCode() == 401 || e.getCode() == 403
                                    ? "; the operator's service account needs create and update on Secrets in that"
                                            + " namespace (the chart's RBAC grants them): restore that access"
                                    : "; pgwarden writes it again on its next attempt"),
                    e);
        }
    }

    private void writeDesired(
            DatabaseAccessPolicy policy, Secret desired, Secret existing, Context<DatabaseAccessPolicy> context) {
        if (existing == null) {
            cache(context)
                    .handleRecentResourceCreate(
                            ResourceID.fromResource(policy),
                            client.resource(desired).create());
        } else if (!CredentialsSecret.sameData(existing, desired)) {
            // Carries the resourceVersion read: a concurrent writer makes this fail and the reconcile retry.
            cache(context)
                    .handleRecentResourceUpdate(
                            ResourceID.fromResource(policy),
                            client.resource(desired).update(),
                            existing);
        }
    }

    /** Deletes the Secret if pgwarden wrote it. */
    void delete(LastApplied applied) {
        if (applied.secret() != null) {
            client.resource(applied.secret()).delete();
        }
    }

    private LastApplied read(Secret secret) {
        return CredentialsSecret.managedByUs(secret)
                ? new LastApplied(secret, CredentialsSecret.carriedPolicy(secret, client.getKubernetesSerialization()))
                : LastApplied.NONE;
    }

    private static ResourceID id(DatabaseAccessPolicy policy) {
        return new ResourceID(
                CredentialsSecret.name(policy.getMetadata().getName()),
                policy.getMetadata().getNamespace());
    }

    @SuppressWarnings("unchecked")
    private static InformerEventSource<Secret, DatabaseAccessPolicy> cache(Context<DatabaseAccessPolicy> context) {
        return (InformerEventSource<Secret, DatabaseAccessPolicy>)
                context.eventSourceRetriever().getEventSourceFor(Secret.class, EVENT_SOURCE);
    }
}
