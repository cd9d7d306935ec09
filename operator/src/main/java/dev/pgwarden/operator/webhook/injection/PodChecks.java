package dev.pgwarden.operator.webhook.injection;

import static dev.pgwarden.operator.webhook.injection.InjectedNames.AGENT_TOKEN_DIR;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.AGENT_TOKEN_VOLUME;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.AUTOMATIC_API_VOLUME_PREFIX;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.KUBE_API_DIR;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.PGPASS_DIR;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.PGPASS_VOLUME;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.PGWARDEN_CONFIG_ROOT;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.SIDECAR;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.VOLUMES;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The shapes of pod that would let an agent get around the sidecar: its database credentials, its
 * keys, the recordings spool, or a Kubernetes API token. Each finding is a sentence for the user.
 */
final class PodChecks {
    /**
     * Paths an agent container must not mount anything at (or below). {@code /run} twins are listed
     * because most images link {@code /var/run} to {@code /run}.
     */
    private static final List<String> PROTECTED_PATHS = List.of(
            KUBE_API_DIR,
            "/run/secrets/kubernetes.io/serviceaccount",
            PGWARDEN_CONFIG_ROOT,
            AGENT_TOKEN_DIR,
            "/run/secrets/pgwarden",
            PGPASS_DIR,
            "/run/pgwarden/client");

    private final String kubernetesIssuer;

    PodChecks(String kubernetesIssuer) {
        this.kubernetesIssuer = kubernetesIssuer;
    }

    /** Problems that need no policy: pod-wide sharing that would expose the sidecar to the agent. */
    static List<String> podWide(PodSpec spec) {
        List<String> problems = new ArrayList<>();
        if (Boolean.TRUE.equals(spec.getHostNetwork())) {
            problems.add("hostNetwork: true is not allowed: the sidecar listens on 127.0.0.1:5432, which would be"
                    + " the node's loopback, reachable by every pod on the node; remove hostNetwork");
        }
        if (Boolean.TRUE.equals(spec.getShareProcessNamespace())) {
            problems.add("shareProcessNamespace: true is not allowed: the agent could read the sidecar's memory and"
                    + " files through /proc, including the database credentials; remove shareProcessNamespace");
        }
        if (Boolean.TRUE.equals(spec.getHostPID())) {
            problems.add("hostPID: true is not allowed: the agent would see the sidecar's process among the node's,"
                    + " and through /proc its files and memory, including the database credentials; remove hostPID");
        }
        for (Volume volume : list(spec.getVolumes())) {
            if (volume.getHostPath() != null) {
                problems.add("volume " + volume.getName() + " mounts host path "
                        + volume.getHostPath().getPath()
                        + ": the node's files include every pod's Secret volumes, the sidecar's credentials among them;"
                        + " use an emptyDir, a PersistentVolumeClaim or a projected volume instead");
            }
        }
        return problems;
    }

    /**
     * Problems with a pod about to be injected, or (when {@code injected}) one that says it already is.
     *
     * @param protectedSecrets the policy's credentials Secret and S3 credentials Secret, if any
     * @param allowApiToken    the pod asked to keep the agent's Kubernetes API token
     */
    List<String> problems(PodSpec spec, boolean injected, Set<String> protectedSecrets, boolean allowApiToken) {
        List<String> problems = new ArrayList<>();
        if (injected) {
            boolean hasSidecar = list(spec.getInitContainers()).stream()
                    .anyMatch(c -> SIDECAR.equals(c.getName()) && "Always".equals(c.getRestartPolicy()));
            if (!hasSidecar) {
                problems.add("the pod is annotated " + PgwardenAnnotations.INJECTION_STATUS + ": "
                        + PgwardenAnnotations.INJECTION_DONE
                        + " but has no " + SIDECAR
                        + " sidecar: remove the annotation so pgwarden can inject it");
            }
        } else {
            reservedNames(spec, problems);
        }
        for (Volume volume : list(spec.getVolumes())) {
            boolean ours = VOLUMES.contains(volume.getName());
            if (!ours) {
                secretReferences(volume)
                        .filter(protectedSecrets::contains)
                        .distinct()
                        .forEach(secret -> problems.add("volume " + volume.getName() + " refers to Secret " + secret
                                + ", which only the pgwarden sidecar may"
                                + " read (database credentials, audit and recording keys): remove the volume"));
                if (!allowApiToken && !automaticApiVolume(volume) && carriesApiToken(volume)) {
                    problems.add("volume " + volume.getName()
                            + " projects a Kubernetes API token for the agent: remove it," + " or annotate the pod "
                            + PgwardenAnnotations.AGENT_API_TOKEN + ": \"true\" to accept the weaker setup");
                }
            }
        }
        for (Container container : agentContainers(spec)) {
            agentContainerProblems(container, protectedSecrets, problems);
        }
        return problems;
    }

    private static void reservedNames(PodSpec spec, List<String> problems) {
        for (Volume volume : list(spec.getVolumes())) {
            if (VOLUMES.contains(volume.getName())) {
                problems.add("volume name " + volume.getName() + " is reserved for pgwarden: rename the volume");
            }
        }
        Stream.concat(list(spec.getContainers()).stream(), list(spec.getInitContainers()).stream())
                .filter(c -> SIDECAR.equals(c.getName()))
                .findAny()
                .ifPresent(c ->
                        problems.add("container name " + SIDECAR + " is reserved for pgwarden: rename the container"));
    }

    static void agentContainerProblems(Container container, Set<String> protectedSecrets, List<String> problems) {
        String who = "container " + container.getName();
        if (container.getSecurityContext() != null
                && Boolean.TRUE.equals(container.getSecurityContext().getPrivileged())) {
            problems.add(who + " is privileged: it could reach the node's devices and files, the sidecar's Secret"
                    + " volume among them; remove securityContext.privileged");
        }
        for (VolumeMount mount : list(container.getVolumeMounts())) {
            String volume = mount.getName();
            if (VOLUMES.contains(volume) && !AGENT_TOKEN_VOLUME.equals(volume) && !PGPASS_VOLUME.equals(volume)) {
                problems.add(who + " mounts " + volume + ", which belongs to the pgwarden sidecar: remove the mount");
                continue;
            }
            if (volume != null && volume.startsWith(AUTOMATIC_API_VOLUME_PREFIX)
                    || AGENT_TOKEN_VOLUME.equals(volume)
                    || PGPASS_VOLUME.equals(volume)) {
                continue; // the API server's own token volume and ours are handled by injection
            }
            String path = normalize(mount.getMountPath());
            for (String root : PROTECTED_PATHS) {
                if (path.equals(root) || path.startsWith(root + "/")) {
                    problems.add(who + " mounts volume " + volume + " at " + mount.getMountPath() + ", inside " + root
                            + ", which pgwarden manages: mount it elsewhere");
                    break;
                }
            }
        }
        for (EnvVar env : list(container.getEnv())) {
            String secret = env.getValueFrom() == null || env.getValueFrom().getSecretKeyRef() == null
                    ? null
                    : env.getValueFrom().getSecretKeyRef().getName();
            if (secret != null && protectedSecrets.contains(secret)) {
                problems.add(who + " reads env " + env.getName() + " from Secret " + secret
                        + ", which only the pgwarden sidecar may read: remove it; the agent connects with its token");
            }
        }
        for (EnvFromSource from : list(container.getEnvFrom())) {
            String secret =
                    from.getSecretRef() == null ? null : from.getSecretRef().getName();
            if (secret != null && protectedSecrets.contains(secret)) {
                problems.add(who + " loads envFrom Secret " + secret
                        + ", which only the pgwarden sidecar may read: remove it; the agent connects with its token");
            }
        }
    }

    /** Every container but the injected sidecar: containers and ordinary init containers. */
    static List<Container> agentContainers(PodSpec spec) {
        List<Container> agents = new ArrayList<>(list(spec.getContainers()));
        list(spec.getInitContainers()).stream()
                .filter(c -> !SIDECAR.equals(c.getName()))
                .forEach(agents::add);
        return agents;
    }

    /** The volume the ServiceAccount admission plugin added before this webhook ran. */
    static boolean automaticApiVolume(Volume volume) {
        return volume.getName() != null
                && volume.getName().startsWith(AUTOMATIC_API_VOLUME_PREFIX)
                && volume.getProjected() != null
                && list(volume.getProjected().getSources()).stream().anyMatch(s -> s.getServiceAccountToken() != null);
    }

    /** A projected token whose audience the API server accepts: no audience, or the issuer itself. */
    private boolean carriesApiToken(Volume volume) {
        if (volume.getProjected() == null) {
            return false;
        }
        return list(volume.getProjected().getSources()).stream()
                .map(VolumeProjection::getServiceAccountToken)
                .filter(Objects::nonNull)
                .anyMatch(t -> t.getAudience() == null
                        || t.getAudience().isBlank()
                        || t.getAudience().equals(kubernetesIssuer)
                        || t.getAudience().startsWith("https://kubernetes.default.svc"));
    }

    private static Stream<String> secretReferences(Volume volume) {
        Stream<String> direct = volume.getSecret() == null
                ? Stream.empty()
                : Stream.of(volume.getSecret().getSecretName());
        Stream<String> projected = volume.getProjected() == null
                ? Stream.empty()
                : list(volume.getProjected().getSources()).stream()
                        .filter(s -> s.getSecret() != null)
                        .map(s -> s.getSecret().getName());
        return Stream.concat(direct, projected).filter(Objects::nonNull);
    }

    /** Resolves "." / ".." / "//" and a trailing slash so "/etc//pgwarden/" cannot slip past. */
    static String normalize(String mountPath) {
        if (mountPath == null || mountPath.isEmpty()) {
            return "";
        }
        String normalized = Path.of("/").resolve(mountPath).normalize().toString();
        return normalized.length() > 1 && normalized.endsWith("/")
                ? normalized.substring(0, normalized.length() - 1)
                : normalized;
    }

    static <T> List<T> list(List<T> items) {
        return items == null ? List.of() : items;
    }
}
