package dev.pgwarden.operator.webhook.injection;

import static dev.pgwarden.api.cluster.PgwardenAnnotations.INJECTION_DONE;
import static dev.pgwarden.api.cluster.PgwardenAnnotations.INJECTION_STATUS;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.AGENT_TOKEN_FILE;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.PGPASS_FILE;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Turns a checked pod into an injected one, in place. */
final class PodMutation {
    private final SidecarResources resources;

    PodMutation(InjectionSettings settings) {
        this.resources = new SidecarResources(settings);
    }

    /** @param database the policy's database name, the agents' PGDATABASE */
    void apply(Pod pod, String credentialsSecret, String s3Secret, boolean allowApiToken, String database) {
        Map<String, String> annotations = new LinkedHashMap<>(
                pod.getMetadata().getAnnotations() == null
                        ? Map.of()
                        : pod.getMetadata().getAnnotations());
        annotations.put(INJECTION_STATUS, INJECTION_DONE);
        pod.getMetadata().setAnnotations(annotations);

        PodSpec spec = pod.getSpec();
        // The user name grants nothing (the token says who the agent is); the audit records it.
        String serviceAccount = spec.getServiceAccountName() == null
                        || spec.getServiceAccountName().isBlank()
                ? "default"
                : spec.getServiceAccountName();
        if (!allowApiToken) {
            spec.setAutomountServiceAccountToken(false);
            // The ServiceAccount admission plugin ran before us and already mounted the API token into
            // every container; automountServiceAccountToken=false alone would not take it back.
            removeAutomaticApiToken(spec);
        }
        List<Volume> volumes = new ArrayList<>(PodChecks.list(spec.getVolumes()));
        volumes.addAll(SidecarResources.volumes(credentialsSecret, s3Secret));
        spec.setVolumes(volumes);

        for (Container agent : PodChecks.agentContainers(spec)) {
            List<io.fabric8.kubernetes.api.model.VolumeMount> mounts =
                    new ArrayList<>(PodChecks.list(agent.getVolumeMounts()));
            mounts.add(SidecarResources.agentTokenMount());
            mounts.add(SidecarResources.agentPgpassMount());
            agent.setVolumeMounts(mounts);
            List<EnvVar> env = new ArrayList<>(PodChecks.list(agent.getEnv()));
            addUnlessSet(env, "PGHOST", "127.0.0.1");
            addUnlessSet(env, "PGPORT", "5432");
            addUnlessSet(env, "PGWARDEN_TOKEN_FILE", AGENT_TOKEN_FILE);
            // With these, libpq, psycopg, pgjdbc and node-postgres connect with no credential configured:
            // the password file gives the current token for 127.0.0.1:5432.
            addUnlessSet(env, "PGUSER", serviceAccount);
            if (database != null && !database.isBlank()) {
                addUnlessSet(env, "PGDATABASE", database);
            }
            addUnlessSet(env, "PGPASSFILE", PGPASS_FILE);
            agent.setEnv(env);
        }

        // First, so ordinary init containers (migrations run by the agent) already have the proxy.
        List<Container> initContainers = new ArrayList<>(PodChecks.list(spec.getInitContainers()));
        initContainers.add(0, resources.sidecar(s3Secret != null, AgentUser.forSidecar(spec)));
        spec.setInitContainers(initContainers);
    }

    private static void removeAutomaticApiToken(PodSpec spec) {
        Set<String> automatic = PodChecks.list(spec.getVolumes()).stream()
                .filter(PodChecks::automaticApiVolume)
                .map(Volume::getName)
                .collect(Collectors.toSet());
        if (automatic.isEmpty()) {
            return;
        }
        spec.setVolumes(new ArrayList<>(spec.getVolumes().stream()
                .filter(v -> !automatic.contains(v.getName()))
                .toList()));
        for (Container container : PodChecks.agentContainers(spec)) {
            if (container.getVolumeMounts() != null) {
                container.setVolumeMounts(new ArrayList<>(container.getVolumeMounts().stream()
                        .filter(m -> !automatic.contains(m.getName()))
                        .toList()));
            }
        }
    }

    /** An explicit value in the container wins: the agent may point elsewhere on purpose. */
    private static void addUnlessSet(List<EnvVar> env, String name, String value) {
        if (env.stream().noneMatch(e -> name.equals(e.getName()))) {
            env.add(new EnvVar(name, value, null));
        }
    }
}
