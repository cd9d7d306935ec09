package dev.pgwarden.operator.policy;

import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.Subject;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Objects;

/**
 * Lets the sidecars of a policy's pods file and watch QueryApprovals, and nothing else: a
 * RoleBinding in the policy's namespace from the chart's {@code pgwarden-sidecar} ClusterRole to
 * the policy's service-account subjects that live there.
 */
public final class SidecarAccess {
    public static final String CLUSTER_ROLE = "pgwarden-sidecar";

    private final KubernetesClient client;

    public SidecarAccess(KubernetesClient client) {
        this.client = client;
    }

    public static String bindingName(String policy) {
        return "pgwarden-sidecar-" + policy;
    }

    public void reconcile(DatabaseAccessPolicy policy) {
        String namespace = policy.getMetadata().getNamespace();
        String name = bindingName(policy.getMetadata().getName());
        List<String> accounts = serviceAccounts(policy);
        RoleBinding existing = client.rbac()
                .roleBindings()
                .inNamespace(namespace)
                .withName(name)
                .get();
        if (existing != null && !ours(existing)) {
            throw new ReconcileProblem(
                    ReconcileProblem.Reason.KubernetesError,
                    "RoleBinding " + name + " exists but"
                            + " pgwarden did not create it; rename or delete it so pgwarden can bind the sidecar's role there");
        }
        if (accounts.isEmpty()) {
            if (existing != null) {
                client.resource(existing).delete();
            }
            return;
        }
        RoleBinding desired = new RoleBindingBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .addToLabels(PgwardenLabels.MANAGED_BY, PgwardenLabels.MANAGED_BY_PGWARDEN)
                .addToLabels(PgwardenLabels.POLICY, policy.getMetadata().getName())
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion(policy.getApiVersion())
                        .withKind(policy.getKind())
                        .withName(policy.getMetadata().getName())
                        .withUid(policy.getMetadata().getUid())
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())
                .endMetadata()
                .withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("ClusterRole")
                .withName(CLUSTER_ROLE)
                .endRoleRef()
                .withSubjects(accounts.stream()
                        .map(sa -> new SubjectBuilder()
                                .withKind("ServiceAccount")
                                .withName(sa)
                                .withNamespace(namespace)
                                .build())
                        .toList())
                .build();
        if (existing == null) {
            client.resource(desired).create();
        } else if (!Objects.equals(existing.getSubjects(), desired.getSubjects())) {
            desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
            client.resource(desired).update();
        }
    }

    public void remove(DatabaseAccessPolicy policy) {
        RoleBinding existing = client.rbac()
                .roleBindings()
                .inNamespace(policy.getMetadata().getNamespace())
                .withName(bindingName(policy.getMetadata().getName()))
                .get();
        if (existing != null && ours(existing)) {
            client.resource(existing).delete();
        }
    }

    private static boolean ours(RoleBinding binding) {
        var labels = binding.getMetadata().getLabels();
        return labels != null && PgwardenLabels.MANAGED_BY_PGWARDEN.equals(labels.get(PgwardenLabels.MANAGED_BY));
    }

    /** Service accounts named {@code namespace/name} in the policy's subjects, in the policy's namespace. */
    static List<String> serviceAccounts(DatabaseAccessPolicy policy) {
        String namespace = policy.getMetadata().getNamespace();
        List<Subject> subjects = policy.getSpec().subjects() == null
                ? List.of()
                : policy.getSpec().subjects();
        return subjects.stream()
                .map(Subject::serviceAccount)
                .filter(Objects::nonNull)
                .map(sa -> sa.split("/", 2))
                .filter(parts -> parts.length == 2 && parts[0].equals(namespace))
                .map(parts -> parts[1])
                .distinct()
                .sorted()
                .toList();
    }
}
