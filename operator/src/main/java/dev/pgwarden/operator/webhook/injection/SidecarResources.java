package dev.pgwarden.operator.webhook.injection;

import static dev.pgwarden.operator.webhook.injection.InjectedNames.AGENT_TOKEN_AUDIENCE;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.AGENT_TOKEN_DIR;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.AGENT_TOKEN_FILE;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.AGENT_TOKEN_VOLUME;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.KUBE_API_DIR;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.KUBE_API_VOLUME;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.OPS_PORT;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.OPS_PORT_NAME;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.PGPASS_DIR;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.PGPASS_FILE;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.PGPASS_VOLUME;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.POLICY_DIR;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.POLICY_VOLUME;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.S3_DIR;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.S3_VOLUME;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.SIDECAR;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.SPOOL_DIR;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.SPOOL_VOLUME;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.TMP_DIR;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.TMP_VOLUME;

import dev.pgwarden.api.cluster.PolicySecret;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;

/** Builds the objects injection adds: the sidecar container and the volumes, exactly as the contract says. */
final class SidecarResources {
    /**
     * The sidecar image runs as this non-root user. Kubernetes can only enforce runAsNonRoot when it
     * knows a numeric user, and an image naming its user by name would otherwise fail to start.
     */
    static final long SIDECAR_UID = 65532L;
    /** The kubelet's own API token lifetime for the ServiceAccount admission plugin's volume; matches it. */
    static final long API_TOKEN_SECONDS = 3607L;

    static final long AGENT_TOKEN_SECONDS = 3600L;

    private final InjectionSettings settings;

    SidecarResources(InjectionSettings settings) {
        this.settings = settings;
    }

    /**
     * @param user the user the sidecar runs as: the agent containers' own when {@link AgentUser}
     *     knows it, so the password file it writes (mode 0600) is theirs to read
     */
    Container sidecar(boolean withS3, long user) {
        List<String> args = new ArrayList<>(List.of(
                "--policy-dir=" + POLICY_DIR,
                "--audit-key-file=" + POLICY_DIR + "/" + PolicySecret.AUDIT_KEY,
                "--mask-key-file=" + POLICY_DIR + "/" + PolicySecret.MASK_KEY,
                "--listen=127.0.0.1:5432",
                "--admin-listen=0.0.0.0:" + OPS_PORT,
                "--spool-dir=" + SPOOL_DIR,
                "--kubernetes-issuer=" + settings.kubernetesIssuer(),
                "--pgpass-file=" + PGPASS_FILE,
                "--token-file=" + AGENT_TOKEN_FILE));
        List<VolumeMount> mounts = new ArrayList<>(List.of(
                mount(POLICY_VOLUME, POLICY_DIR, true),
                mount(SPOOL_VOLUME, SPOOL_DIR, false),
                mount(TMP_VOLUME, TMP_DIR, false),
                mount(KUBE_API_VOLUME, KUBE_API_DIR, true),
                mount(AGENT_TOKEN_VOLUME, AGENT_TOKEN_DIR, true),
                mount(PGPASS_VOLUME, PGPASS_DIR, false)));
        if (withS3) {
            args.add("--s3-credentials-dir=" + S3_DIR);
            mounts.add(mount(S3_VOLUME, S3_DIR, true));
        }
        return new ContainerBuilder()
                .withName(SIDECAR)
                .withImage(settings.sidecarImage())
                .withImagePullPolicy(settings.imagePullPolicy())
                // restartPolicy Always on an init container makes it a native sidecar: started before the
                // agent containers, kept running beside them, stopped after them.
                .withRestartPolicy("Always")
                .withArgs(args)
                .addNewEnv()
                .withName("POD_NAME")
                .withNewValueFrom()
                .withNewFieldRef()
                .withFieldPath("metadata.name")
                .endFieldRef()
                .endValueFrom()
                .endEnv()
                .addNewEnv()
                .withName("POD_NAMESPACE")
                .withNewValueFrom()
                .withNewFieldRef()
                .withFieldPath("metadata.namespace")
                .endFieldRef()
                .endValueFrom()
                .endEnv()
                .addNewPort()
                .withName(OPS_PORT_NAME)
                .withContainerPort(OPS_PORT)
                .withProtocol("TCP")
                .endPort()
                // The startup probe holds back the agent containers until the proxy answers.
                .withStartupProbe(probe("/readyz", 1, 120))
                .withReadinessProbe(probe("/readyz", 5, 3))
                .withLivenessProbe(probe("/healthz", 10, 3))
                .withNewResources()
                .addToRequests("cpu", new Quantity(settings.cpuRequest()))
                .addToRequests("memory", new Quantity(settings.memoryRequest()))
                .addToLimits("memory", new Quantity(settings.memoryLimit()))
                .endResources()
                .withNewSecurityContext()
                .withRunAsNonRoot(true)
                .withRunAsUser(user)
                .withRunAsGroup(SIDECAR_UID)
                .withReadOnlyRootFilesystem(true)
                .withAllowPrivilegeEscalation(false)
                .withPrivileged(false)
                .withNewCapabilities()
                .withDrop("ALL")
                .endCapabilities()
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .endSecurityContext()
                .withVolumeMounts(mounts)
                .build();
    }

    static List<Volume> volumes(String credentialsSecret, String s3Secret) {
        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder()
                .withName(POLICY_VOLUME)
                .withNewSecret()
                .withSecretName(credentialsSecret)
                .endSecret()
                .build());
        volumes.add(new VolumeBuilder()
                .withName(SPOOL_VOLUME)
                .withNewEmptyDir()
                .endEmptyDir()
                .build());
        volumes.add(new VolumeBuilder()
                .withName(TMP_VOLUME)
                .withNewEmptyDir()
                .withMedium("Memory")
                .withSizeLimit(new Quantity("64Mi"))
                .endEmptyDir()
                .build());
        // The same three sources the ServiceAccount admission plugin would mount, for the sidecar only.
        volumes.add(new VolumeBuilder()
                .withName(KUBE_API_VOLUME)
                .withNewProjected()
                .addNewSource()
                .withNewServiceAccountToken()
                .withPath("token")
                .withExpirationSeconds(API_TOKEN_SECONDS)
                .endServiceAccountToken()
                .endSource()
                .addNewSource()
                .withNewConfigMap()
                .withName("kube-root-ca.crt")
                .addNewItem()
                .withKey("ca.crt")
                .withPath("ca.crt")
                .endItem()
                .endConfigMap()
                .endSource()
                .addNewSource()
                .withNewDownwardAPI()
                .addNewItem()
                .withPath("namespace")
                .withNewFieldRef()
                .withApiVersion("v1")
                .withFieldPath("metadata.namespace")
                .endFieldRef()
                .endItem()
                .endDownwardAPI()
                .endSource()
                .endProjected()
                .build());
        volumes.add(new VolumeBuilder()
                .withName(AGENT_TOKEN_VOLUME)
                .withNewProjected()
                .addNewSource()
                .withNewServiceAccountToken()
                .withAudience(AGENT_TOKEN_AUDIENCE)
                .withPath("token")
                .withExpirationSeconds(AGENT_TOKEN_SECONDS)
                .endServiceAccountToken()
                .endSource()
                .endProjected()
                .build());
        // In memory: the token never touches the node's disk.
        volumes.add(new VolumeBuilder()
                .withName(PGPASS_VOLUME)
                .withNewEmptyDir()
                .withMedium("Memory")
                .withSizeLimit(new Quantity("1Mi"))
                .endEmptyDir()
                .build());
        if (s3Secret != null) {
            volumes.add(new VolumeBuilder()
                    .withName(S3_VOLUME)
                    .withNewSecret()
                    .withSecretName(s3Secret)
                    .endSecret()
                    .build());
        }
        return volumes;
    }

    static VolumeMount agentTokenMount() {
        return mount(AGENT_TOKEN_VOLUME, AGENT_TOKEN_DIR, true);
    }

    /** Read-only for the agents: only the sidecar replaces the file. */
    static VolumeMount agentPgpassMount() {
        return mount(PGPASS_VOLUME, PGPASS_DIR, true);
    }

    private static VolumeMount mount(String volume, String path, boolean readOnly) {
        return new VolumeMountBuilder()
                .withName(volume)
                .withMountPath(path)
                .withReadOnly(readOnly)
                .build();
    }

    private static Probe probe(String path, int periodSeconds, int failureThreshold) {
        return new ProbeBuilder()
                .withNewHttpGet()
                .withPath(path)
                .withPort(new IntOrString(OPS_PORT_NAME))
                .endHttpGet()
                .withPeriodSeconds(periodSeconds)
                .withFailureThreshold(failureThreshold)
                .build();
    }
}
