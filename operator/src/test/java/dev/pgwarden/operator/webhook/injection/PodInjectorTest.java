package dev.pgwarden.operator.webhook.injection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.operator.webhook.Fixtures;
import dev.pgwarden.operator.webhook.admission.Admission;
import dev.pgwarden.operator.webhook.admission.PolicyLookup;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@EnableKubernetesMockClient(crud = true)
class PodInjectorTest {
    static final InjectionSettings SETTINGS = new InjectionSettings(
            "ghcr.io/pgwarden/sidecar:0.1.0",
            "Always",
            "100m",
            "256Mi",
            "1Gi",
            "https://kubernetes.default.svc.cluster.local");

    KubernetesMockServer server;
    KubernetesClient client;
    PodInjector injector;

    @BeforeEach
    void setUp() {
        Fixtures.createPolicies(client);
        injector = new PodInjector(new PolicyLookup(client), SETTINGS);
    }

    private AdmissionResponse run(JsonNode review) {
        return injector.handle(Fixtures.review(review).getRequest());
    }

    private Pod inject(String fixture) {
        JsonNode review = Fixtures.json("pods/" + fixture + ".json");
        AdmissionResponse response = run(review);
        assertThat(response.getAllowed())
                .as(String.valueOf(response.getStatus()))
                .isTrue();
        assertThat(response.getPatchType()).isEqualTo("JSONPatch");
        return Admission.SERIALIZATION.convertValue(Fixtures.patched(review, response), Pod.class);
    }

    /** "Could not ask" is never "absent": with the API server unreachable the pod is refused, not admitted bare. */
    @Test
    void refusesWhenThePolicyCannotBeRead() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        try (KubernetesClient unreachable = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder()
                        .withMasterUrl("https://127.0.0.1:" + closed)
                        .withRequestRetryBackoffLimit(0)
                        .withConnectionTimeout(2000)
                        .build())
                .build()) {
            AdmissionResponse response = new PodInjector(new PolicyLookup(unreachable), SETTINGS)
                    .handle(Fixtures.review(Fixtures.json("pods/inject.json")).getRequest());
            assertThat(response.getAllowed()).isFalse();
            assertThat(response.getPatch()).isNull();
            assertThat(response.getStatus().getMessage())
                    .contains("could not read DatabaseAccessPolicy analytics-agent")
                    .contains("try again");
        }
    }

    @Test
    void injectsTheNativeSidecarFirstAmongInitContainers() {
        Pod pod = inject("inject");

        Container sidecar = pod.getSpec().getInitContainers().get(0);
        assertThat(sidecar.getName()).isEqualTo("pgwarden-sidecar");
        assertThat(sidecar.getRestartPolicy()).isEqualTo("Always");
        assertThat(sidecar.getImage()).isEqualTo("ghcr.io/pgwarden/sidecar:0.1.0");
        assertThat(sidecar.getImagePullPolicy()).isEqualTo("Always");
        assertThat(sidecar.getArgs())
                .containsExactly(
                        "--policy-dir=/etc/pgwarden/policy",
                        "--audit-key-file=/etc/pgwarden/policy/audit.key",
                        "--mask-key-file=/etc/pgwarden/policy/mask.key",
                        "--listen=127.0.0.1:5432",
                        "--admin-listen=0.0.0.0:9187",
                        "--spool-dir=/var/run/pgwarden/spool",
                        "--kubernetes-issuer=https://kubernetes.default.svc.cluster.local",
                        "--pgpass-file=/var/run/pgwarden/client/pgpass",
                        "--token-file=/var/run/secrets/pgwarden/token");
        assertThat(sidecar.getEnv())
                .extracting(EnvVar::getName, e -> e.getValueFrom().getFieldRef().getFieldPath())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("POD_NAME", "metadata.name"),
                        org.assertj.core.groups.Tuple.tuple("POD_NAMESPACE", "metadata.namespace"));
        assertThat(sidecar.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("pgwarden-ops");
            assertThat(p.getContainerPort()).isEqualTo(9187);
        });
        assertThat(sidecar.getStartupProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(sidecar.getStartupProbe().getHttpGet().getPort().getStrVal()).isEqualTo("pgwarden-ops");
        assertThat(sidecar.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(sidecar.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(sidecar.getResources().getRequests()).containsOnlyKeys("cpu", "memory");
        assertThat(sidecar.getResources().getRequests().get("cpu").toString()).isEqualTo("100m");
        assertThat(sidecar.getResources().getRequests().get("memory").toString())
                .isEqualTo("256Mi");
        assertThat(sidecar.getResources().getLimits().get("memory").toString()).isEqualTo("1Gi");
        var security = sidecar.getSecurityContext();
        assertThat(security.getRunAsNonRoot()).isTrue();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(mounts(sidecar))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "pgwarden-policy", "/etc/pgwarden/policy",
                        "pgwarden-spool", "/var/run/pgwarden/spool",
                        "pgwarden-tmp", "/tmp",
                        "pgwarden-kube-api", "/var/run/secrets/kubernetes.io/serviceaccount",
                        "pgwarden-token", "/var/run/secrets/pgwarden",
                        "pgwarden-pgpass", "/var/run/pgwarden/client"));
        assertThat(sidecar.getVolumeMounts())
                .filteredOn(m -> !m.getName().equals("pgwarden-spool")
                        && !m.getName().equals("pgwarden-tmp")
                        && !m.getName().equals("pgwarden-pgpass"))
                .allMatch(VolumeMount::getReadOnly);

        // The pod's own init container still runs, after the sidecar.
        assertThat(pod.getSpec().getInitContainers())
                .extracting(Container::getName)
                .containsExactly("pgwarden-sidecar", "migrate");
        assertThat(pod.getMetadata().getAnnotations())
                .containsEntry(PgwardenAnnotations.INJECTION_STATUS, PgwardenAnnotations.INJECTION_DONE);
    }

    @Test
    void mountsTheCredentialsAndTheApiTokenIntoTheSidecarOnly() {
        Pod pod = inject("inject");

        Map<String, Volume> volumes =
                pod.getSpec().getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
        assertThat(volumes)
                .containsOnlyKeys(
                        "work",
                        "pgwarden-policy",
                        "pgwarden-spool",
                        "pgwarden-tmp",
                        "pgwarden-kube-api",
                        "pgwarden-token",
                        "pgwarden-pgpass");
        assertThat(volumes.get("pgwarden-tmp").getEmptyDir().getMedium())
                .as("a small in-memory /tmp")
                .isEqualTo("Memory");
        assertThat(volumes.get("pgwarden-policy").getSecret().getSecretName()).isEqualTo("pgwarden-analytics-agent");
        assertThat(volumes.get("pgwarden-spool").getEmptyDir()).isNotNull();
        var apiSources = volumes.get("pgwarden-kube-api").getProjected().getSources();
        assertThat(apiSources.get(0).getServiceAccountToken().getAudience()).isNull();
        assertThat(apiSources.get(0).getServiceAccountToken().getExpirationSeconds())
                .isEqualTo(3607L);
        assertThat(apiSources.get(1).getConfigMap().getName()).isEqualTo("kube-root-ca.crt");
        assertThat(apiSources.get(1).getConfigMap().getItems().get(0).getKey()).isEqualTo("ca.crt");
        assertThat(apiSources
                        .get(2)
                        .getDownwardAPI()
                        .getItems()
                        .get(0)
                        .getFieldRef()
                        .getFieldPath())
                .isEqualTo("metadata.namespace");
        var agentToken =
                volumes.get("pgwarden-token").getProjected().getSources().get(0).getServiceAccountToken();
        assertThat(agentToken.getAudience()).isEqualTo("pgwarden");
        assertThat(agentToken.getExpirationSeconds()).isEqualTo(3600L);
        assertThat(agentToken.getPath()).isEqualTo("token");

        // The API server's automatic token is gone from the agent, and automounting is off.
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        for (Container agent : List.of(
                pod.getSpec().getContainers().get(0),
                pod.getSpec().getInitContainers().get(1))) {
            assertThat(mounts(agent))
                    .containsEntry("pgwarden-token", "/var/run/secrets/pgwarden")
                    .doesNotContainKeys(
                            "pgwarden-policy", "pgwarden-kube-api", "pgwarden-spool", "kube-api-access-x7k2p")
                    .doesNotContainValue("/var/run/secrets/kubernetes.io/serviceaccount");
            assertThat(env(agent))
                    .containsEntry("PGPORT", "5432")
                    .containsEntry("PGWARDEN_TOKEN_FILE", "/var/run/secrets/pgwarden/token");
        }
    }

    /**
     * libpq's defaults point at the sidecar and at the password file it keeps current; the file
     * lives in memory, the agents can only read it, and the sidecar (its writer) runs as the agents'
     * user, since libpq reads a password file only when it is private to its owner.
     */
    @Test
    void givesTheAgentsAPasswordFileTheSidecarKeepsCurrent() {
        Pod pod = inject("inject");

        Volume pgpass = pod.getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("pgwarden-pgpass"))
                .findFirst()
                .orElseThrow();
        assertThat(pgpass.getEmptyDir().getMedium()).isEqualTo("Memory");
        Container migrate = pod.getSpec().getInitContainers().get(1);
        assertThat(env(migrate))
                .containsEntry("PGHOST", "127.0.0.1")
                .containsEntry("PGPORT", "5432")
                .containsEntry("PGUSER", "claude")
                .containsEntry("PGDATABASE", "app")
                .containsEntry("PGPASSFILE", "/var/run/pgwarden/client/pgpass");
        for (Container agent : List.of(pod.getSpec().getContainers().get(0), migrate)) {
            assertThat(agent.getVolumeMounts())
                    .filteredOn(m -> m.getName().equals("pgwarden-pgpass"))
                    .singleElement()
                    .satisfies(m -> {
                        assertThat(m.getMountPath()).isEqualTo("/var/run/pgwarden/client");
                        assertThat(m.getReadOnly()).isTrue();
                    });
        }
        // No runAsUser in this pod: the sidecar keeps its own user.
        assertThat(pod.getSpec().getInitContainers().get(0).getSecurityContext().getRunAsUser())
                .isEqualTo(65532L);
    }

    @Test
    void theSidecarRunsAsTheUserTheAgentsRunAs() throws Exception {
        JsonNode review = Fixtures.json("pods/inject.json");
        ((ObjectNode) review.at("/request/object/spec/securityContext")).put("runAsUser", 70);
        JsonNode injected = Fixtures.patched(review, run(review));
        Pod pod = Admission.SERIALIZATION.convertValue(injected, Pod.class);
        assertThat(pod.getSpec().getInitContainers().get(0).getSecurityContext().getRunAsUser())
                .isEqualTo(70L);
        assertThat(pod.getSpec().getInitContainers().get(0).getSecurityContext().getRunAsNonRoot())
                .isTrue();
        // The second pass expects the same user, so the pod it made is still its own.
        AdmissionResponse again = run(withObject(review, injected));
        assertThat(again.getAllowed()).as(String.valueOf(again.getStatus())).isTrue();
        assertThat(again.getPatch()).isNull();

        // Agents of different users, or root: the sidecar cannot be both, and root reads any file.
        ((ObjectNode) review.at("/request/object/spec/containers/0"))
                .putObject("securityContext")
                .put("runAsUser", 1000);
        assertThat(Admission.SERIALIZATION
                        .convertValue(Fixtures.patched(review, run(review)), Pod.class)
                        .getSpec()
                        .getInitContainers()
                        .get(0)
                        .getSecurityContext()
                        .getRunAsUser())
                .isEqualTo(65532L);
        ((ObjectNode) review.at("/request/object/spec/securityContext")).put("runAsUser", 0);
        ((ObjectNode) review.at("/request/object/spec/containers/0")).remove("securityContext");
        assertThat(Admission.SERIALIZATION
                        .convertValue(Fixtures.patched(review, run(review)), Pod.class)
                        .getSpec()
                        .getInitContainers()
                        .get(0)
                        .getSecurityContext()
                        .getRunAsUser())
                .isEqualTo(65532L);
    }

    @Test
    void keepsAgentEnvironmentTheContainerAlreadySets() {
        Pod pod = inject("inject");

        Map<String, String> agentEnv = env(pod.getSpec().getContainers().get(0));
        assertThat(agentEnv).containsEntry("PGHOST", "db.local").containsEntry("PGDATABASE", "app");
        assertThat(env(pod.getSpec().getInitContainers().get(1))).containsEntry("PGHOST", "127.0.0.1");
        assertThat(pod.getSpec().getContainers().get(0).getEnv())
                .extracting(EnvVar::getName)
                .doesNotHaveDuplicates();
    }

    @Test
    void agentApiTokenAnnotationKeepsTheAgentsToken() {
        Pod pod = inject("agent-api-token");

        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isNull();
        assertThat(mounts(pod.getSpec().getContainers().get(0)))
                .containsEntry("kube-api-access-x7k2p", "/var/run/secrets/kubernetes.io/serviceaccount");
        assertThat(mounts(pod.getSpec().getInitContainers().get(0)))
                .containsEntry("pgwarden-kube-api", "/var/run/secrets/kubernetes.io/serviceaccount");
    }

    @Test
    void mountsS3CredentialsIntoTheSidecarWhenThePolicyRecordsToS3() {
        Pod pod = inject("s3-recording");

        Container sidecar = pod.getSpec().getInitContainers().get(0);
        assertThat(sidecar.getArgs()).contains("--s3-credentials-dir=/etc/pgwarden/s3");
        assertThat(mounts(sidecar))
                .containsEntry("pgwarden-s3", "/etc/pgwarden/s3")
                .containsEntry("pgwarden-policy", "/etc/pgwarden/policy");
        assertThat(pod.getSpec().getVolumes())
                .filteredOn(v -> v.getName().equals("pgwarden-s3"))
                .singleElement()
                .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("recorder-s3"));
        assertThat(pod.getSpec().getVolumes())
                .filteredOn(v -> v.getName().equals("pgwarden-policy"))
                .singleElement()
                .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("pgwarden-recorded"));
        assertThat(mounts(pod.getSpec().getContainers().get(0))).doesNotContainKey("pgwarden-s3");
    }

    /** Only the policy's own Secrets are the sidecar's: other Secrets (and a ConfigMap named like one) stay usable. */
    @Test
    void agentsMayReadOtherSecretsThroughTheirEnvironment() {
        Pod pod = inject("env-other-secrets");

        Container agent = pod.getSpec().getContainers().get(0);
        assertThat(agent.getEnv())
                .filteredOn(e -> e.getName().equals("API_KEY"))
                .singleElement()
                .satisfies(e ->
                        assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("agent-api-key"));
        assertThat(agent.getEnvFrom())
                .extracting(
                        f -> f.getSecretRef() == null ? null : f.getSecretRef().getName(),
                        f -> f.getConfigMapRef() == null
                                ? null
                                : f.getConfigMapRef().getName())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("agent-config", null),
                        org.assertj.core.groups.Tuple.tuple(null, "recorder-s3"));
        assertThat(mounts(pod.getSpec().getInitContainers().get(0))).containsEntry("pgwarden-s3", "/etc/pgwarden/s3");
    }

    @Test
    void withoutS3TheSidecarGetsNoS3Flag() {
        Container sidecar = inject("inject").getSpec().getInitContainers().get(0);
        assertThat(sidecar.getArgs()).noneMatch(a -> a.startsWith("--s3-credentials-dir"));
    }

    @Test
    void aSecondPassChangesNothing() {
        JsonNode review = Fixtures.json("pods/inject.json");
        JsonNode injected = Fixtures.patched(review, run(review));

        AdmissionResponse again = run(withObject(review, injected));

        assertThat(again.getAllowed()).isTrue();
        assertThat(again.getPatch()).isNull();
    }

    @Test
    void aSecondPassToleratesDefaultsTheApiServerFilledIn() {
        JsonNode review = Fixtures.json("pods/inject.json");
        ObjectNode injected = (ObjectNode) Fixtures.patched(review, run(review));
        ObjectNode sidecar = (ObjectNode) injected.at("/spec/initContainers/0");
        sidecar.put("terminationMessagePath", "/dev/termination-log");
        ((ObjectNode) sidecar.get("startupProbe")).put("timeoutSeconds", 1).put("successThreshold", 1);
        ((ObjectNode) sidecar.at("/startupProbe/httpGet")).put("scheme", "HTTP");

        AdmissionResponse again = run(withObject(review, injected));

        assertThat(again.getAllowed()).as(String.valueOf(again.getStatus())).isTrue();
        assertThat(again.getPatch()).isNull();
    }

    @Test
    void refusesALookAlikeSidecarInAPodMarkedInjected() {
        JsonNode review = Fixtures.json("pods/inject.json");
        ObjectNode injected = (ObjectNode) Fixtures.patched(review, run(review));
        ((ObjectNode) injected.at("/spec/initContainers/0"))
                .putArray("command")
                .add("/bin/sh")
                .add("-c")
                .add("cat /etc/pgwarden/policy/password");

        AdmissionResponse again = run(withObject(review, injected));

        assertThat(again.getAllowed()).isFalse();
        assertThat(again.getStatus().getMessage())
                .contains("is not the one this operator injects")
                .contains("remove the pgwarden.dev/status annotation");
    }

    @Test
    void refusesAnInjectedPodWhoseAgentMountsTheCredentials() {
        JsonNode review = Fixtures.json("pods/inject.json");
        ObjectNode injected = (ObjectNode) Fixtures.patched(review, run(review));
        ((ArrayNode) injected.at("/spec/containers/0/volumeMounts"))
                .addObject()
                .put("name", "pgwarden-policy")
                .put("mountPath", "/tmp/creds");

        AdmissionResponse again = run(withObject(review, injected));

        assertThat(again.getAllowed()).isFalse();
        assertThat(again.getStatus().getMessage()).contains("container agent mounts pgwarden-policy");
    }

    @Test
    void leavesPodsWithoutTheInjectLabelAlone() {
        AdmissionResponse response = run(Fixtures.json("pods/no-inject-label.json"));
        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "missing-policy-annotation   | has no pgwarden.dev/policy annotation",
                "unknown-policy              | DatabaseAccessPolicy no-such-policy does not exist in namespace agents",
                "host-network                | hostNetwork: true is not allowed",
                "share-process-namespace     | shareProcessNamespace: true is not allowed",
                "host-pid                    | hostPID: true is not allowed",
                "host-path                   | volume node mounts host path /var/lib/kubelet",
                "privileged-container        | container agent is privileged",
                "forged-status               | has no pgwarden-sidecar sidecar: remove the annotation",
                "mounts-serviceaccount-path  | container agent mounts volume token at /var/run/secrets/kubernetes.io/serviceaccount/",
                "mounts-etc-pgwarden         | container migrate mounts volume cfg at /etc//pgwarden/policy, inside /etc/pgwarden",
                "mounts-credentials-secret   | volume creds refers to Secret pgwarden-analytics-agent",
                "projects-credentials-secret | volume creds refers to Secret pgwarden-analytics-agent",
                "envfrom-credentials-secret  | container agent loads envFrom Secret pgwarden-analytics-agent",
                "env-credentials-secret      | container agent reads env PGPASSWORD from Secret pgwarden-analytics-agent",
                "mounts-s3-secret            | volume s3 refers to Secret recorder-s3",
                "own-api-token-volume        | volume api projects a Kubernetes API token for the agent",
                "reserved-volume-name        | volume name pgwarden-spool is reserved for pgwarden",
                "mounts-pgpass-path          | container agent mounts volume work at /var/run/pgwarden/client, inside /var/run/pgwarden/client",
                "mounts-pgwarden-token-dir   | container agent mounts volume work at /var/run/secrets/pgwarden, inside /var/run/secrets/pgwarden, which pgwarden manages: mount it elsewhere",
                "mounts-pgwarden-token-file  | container migrate mounts volume cfg at /run/secrets/pgwarden/token, inside /run/secrets/pgwarden, which pgwarden manages",
                "env-s3-secret               | container agent reads env AWS_SECRET_ACCESS_KEY from Secret recorder-s3, which only the pgwarden sidecar may read: remove it",
                "envfrom-s3-secret           | container migrate loads envFrom Secret recorder-s3, which only the pgwarden sidecar may read: remove it",
            })
    void refuses(String fixture, String message) {
        AdmissionResponse response = run(Fixtures.json("pods/" + fixture + ".json"));

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getPatch()).isNull();
        assertThat(response.getStatus().getCode()).isEqualTo(403);
        assertThat(response.getStatus().getMessage()).contains(message);
    }

    private static JsonNode withObject(JsonNode review, JsonNode object) {
        ObjectNode copy = review.deepCopy();
        ((ObjectNode) copy.get("request")).set("object", object);
        return copy;
    }

    private static Map<String, String> mounts(Container container) {
        return container.getVolumeMounts().stream()
                .collect(Collectors.toMap(VolumeMount::getName, VolumeMount::getMountPath));
    }

    private static Map<String, String> env(Container container) {
        return container.getEnv().stream()
                .filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }
}
