package dev.pgwarden.operator.webhook.injection;

import static dev.pgwarden.operator.webhook.injection.InjectedNames.POLICY_VOLUME;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.S3_VOLUME;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.SIDECAR;
import static dev.pgwarden.operator.webhook.injection.PodChecks.list;

import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.operator.webhook.admission.Admission;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.javaoperatorsdk.webhook.admission.AdmissionRequestHandler;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code /validate-pod-ephemeralcontainers}: {@code kubectl debug} on an injected pod may look at
 * the agent, never at the sidecar. An ephemeral container that targets the sidecar shares its
 * process namespace (and so its files and memory through {@code /proc}); one that mounts the
 * sidecar's volumes or reads its Secrets gets the database credentials, and a privileged one can
 * reach them on the node. All are refused; debugging an agent container stays possible.
 */
public final class EphemeralContainerCheck implements AdmissionRequestHandler {
    @Override
    public AdmissionResponse handle(AdmissionRequest request) {
        Pod pod = Admission.object(request, Pod.class);
        if (pod == null || pod.getSpec() == null) {
            return Admission.refused("pgwarden: the admission request carries no pod");
        }
        if (!injected(pod)) {
            return Admission.allowed();
        }
        Pod before = Admission.oldObject(request, Pod.class);
        Set<String> existing = before == null || before.getSpec() == null
                ? Set.of()
                : list(before.getSpec().getEphemeralContainers()).stream()
                        .map(EphemeralContainer::getName)
                        .collect(Collectors.toSet());
        Set<String> protectedSecrets = protectedSecrets(pod);
        List<String> problems = new ArrayList<>();
        for (EphemeralContainer added : list(pod.getSpec().getEphemeralContainers())) {
            if (existing.contains(added.getName())) {
                continue; // admitted before; the API server keeps ephemeral containers immutable
            }
            if (SIDECAR.equals(added.getTargetContainerName())) {
                problems.add("ephemeral container " + added.getName() + " targets " + SIDECAR + ": it would share the"
                        + " sidecar's processes, and through /proc its database credentials and keys; debug an agent"
                        + " container instead (kubectl debug --target=<agent container>)");
            }
            PodChecks.agentContainerProblems(asContainer(added), protectedSecrets, problems);
            otherSecrets(added, protectedSecrets, problems);
        }
        if (problems.isEmpty()) {
            return Admission.allowed();
        }
        return Admission.refused("pgwarden refused the ephemeral container: " + String.join("; ", problems));
    }

    /**
     * A debug container needs no Secret, and the namespace holds more than the sidecar's: the
     * admin Secret a policy names sits there too. Any Secret reference is refused (the sidecar's own
     * were reported with the agent containers' checks already).
     */
    private static void otherSecrets(EphemeralContainer added, Set<String> reported, List<String> problems) {
        for (var env : list(added.getEnv())) {
            if (env.getValueFrom() != null
                    && env.getValueFrom().getSecretKeyRef() != null
                    && !reported.contains(env.getValueFrom().getSecretKeyRef().getName())) {
                problems.add("ephemeral container " + added.getName() + " reads env " + env.getName() + " from Secret "
                        + env.getValueFrom().getSecretKeyRef().getName()
                        + ": debug containers of a pgwarden pod read no"
                        + " Secrets; remove it");
            }
        }
        for (var from : list(added.getEnvFrom())) {
            if (from.getSecretRef() != null
                    && !reported.contains(from.getSecretRef().getName())) {
                problems.add("ephemeral container " + added.getName() + " loads envFrom Secret "
                        + from.getSecretRef().getName()
                        + ": debug containers of a pgwarden pod read no Secrets; remove it");
            }
        }
    }

    /** Labelled for injection, or carrying the sidecar: either way the pod is one pgwarden guards. */
    private static boolean injected(Pod pod) {
        boolean labelled = pod.getMetadata() != null
                && pod.getMetadata().getLabels() != null
                && "true".equals(pod.getMetadata().getLabels().get(PgwardenLabels.INJECT));
        boolean hasSidecar =
                list(pod.getSpec().getInitContainers()).stream().anyMatch(c -> SIDECAR.equals(c.getName()));
        return labelled || hasSidecar;
    }

    /** The Secrets the sidecar's volumes carry: the policy's credentials and the S3 credentials. */
    private static Set<String> protectedSecrets(Pod pod) {
        Set<String> secrets = new HashSet<>();
        for (Volume volume : list(pod.getSpec().getVolumes())) {
            if ((POLICY_VOLUME.equals(volume.getName()) || S3_VOLUME.equals(volume.getName()))
                    && volume.getSecret() != null) {
                secrets.add(volume.getSecret().getSecretName());
            }
        }
        secrets.removeIf(Objects::isNull);
        return secrets;
    }

    /** The fields an ephemeral container shares with a container (mounts, env) are all the checks read. */
    private static Container asContainer(EphemeralContainer ephemeral) {
        Container container = new Container();
        container.setName(ephemeral.getName());
        container.setVolumeMounts(ephemeral.getVolumeMounts());
        container.setEnv(ephemeral.getEnv());
        container.setEnvFrom(ephemeral.getEnvFrom());
        container.setSecurityContext(ephemeral.getSecurityContext());
        return container;
    }
}
