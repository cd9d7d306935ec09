package dev.pgwarden.operator.webhook.injection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.operator.webhook.Fixtures;
import dev.pgwarden.operator.webhook.admission.Admission;
import dev.pgwarden.operator.webhook.admission.PolicyLookup;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.EphemeralContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl debug} against an injected pod: the request is the API server's UPDATE of
 * pods/ephemeralcontainers, built here around a pod the real injector produced from the
 * {@code pods/inject.json} fixture.
 */
@EnableKubernetesMockClient(crud = true)
class EphemeralContainerCheckTest {
    KubernetesClient client;
    private Pod injected;
    private final EphemeralContainerCheck check = new EphemeralContainerCheck();

    @BeforeEach
    void injectAPod() {
        Fixtures.createPolicies(client);
        JsonNode review = Fixtures.json("pods/inject.json");
        AdmissionResponse response = new PodInjector(new PolicyLookup(client), PodInjectorTest.SETTINGS)
                .handle(Fixtures.review(review).getRequest());
        assertThat(response.getAllowed()).isTrue();
        injected = Admission.SERIALIZATION.convertValue(Fixtures.patched(review, response), Pod.class);
    }

    @Test
    void debuggingAnAgentContainerIsAllowed() {
        AdmissionResponse response = debug(
                injected,
                new EphemeralContainerBuilder()
                        .withName("debugger-1")
                        .withImage("busybox")
                        .withTargetContainerName(agentContainer())
                        .build());
        assertThat(response.getAllowed())
                .as(String.valueOf(response.getStatus()))
                .isTrue();
    }

    @Test
    void targetingTheSidecarIsRefused() {
        AdmissionResponse response = debug(
                injected,
                new EphemeralContainerBuilder()
                        .withName("debugger-2")
                        .withImage("busybox")
                        .withTargetContainerName("pgwarden-sidecar")
                        .build());
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getCode()).isEqualTo(403);
        assertThat(response.getStatus().getMessage())
                .contains("ephemeral container debugger-2 targets pgwarden-sidecar")
                .contains("--target=<agent container>");
    }

    @Test
    void mountingTheSidecarsVolumesIsRefused() {
        for (String volume : List.of("pgwarden-policy", "pgwarden-kube-api", "pgwarden-spool")) {
            AdmissionResponse response = debug(
                    injected,
                    new EphemeralContainerBuilder()
                            .withName("peek")
                            .withImage("busybox")
                            .withTargetContainerName(agentContainer())
                            .addNewVolumeMount()
                            .withName(volume)
                            .withMountPath("/peek")
                            .endVolumeMount()
                            .build());
            assertThat(response.getAllowed()).as(volume).isFalse();
            assertThat(response.getStatus().getMessage()).contains("container peek mounts " + volume);
        }
    }

    @Test
    void readingTheCredentialsSecretThroughEnvIsRefused() {
        AdmissionResponse response = debug(
                injected,
                new EphemeralContainerBuilder()
                        .withName("env-peek")
                        .withImage("busybox")
                        .addNewEnv()
                        .withName("PW")
                        .withNewValueFrom()
                        .withNewSecretKeyRef("password", "pgwarden-analytics-agent", false)
                        .endValueFrom()
                        .endEnv()
                        .build());
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage()).contains("reads env PW from Secret pgwarden-analytics-agent");
    }

    @Test
    void aDebugContainerReadsNoSecretAtAll() {
        AdmissionResponse response = debug(
                injected,
                new EphemeralContainerBuilder()
                        .withName("admin-peek")
                        .withImage("busybox")
                        .addNewEnv()
                        .withName("ADMIN_PW")
                        .withNewValueFrom()
                        .withNewSecretKeyRef("password", "pg-admin", false)
                        .endValueFrom()
                        .endEnv()
                        .addNewEnvFrom()
                        .withNewSecretRef("other-secret", false)
                        .endEnvFrom()
                        .build());
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage())
                .contains("ephemeral container admin-peek reads env ADMIN_PW from Secret pg-admin")
                .contains("loads envFrom Secret other-secret");
    }

    @Test
    void aPrivilegedDebugContainerIsRefused() {
        AdmissionResponse response = debug(
                injected,
                new EphemeralContainerBuilder()
                        .withName("root-shell")
                        .withImage("busybox")
                        .withTargetContainerName(agentContainer())
                        .withNewSecurityContext()
                        .withPrivileged(true)
                        .endSecurityContext()
                        .build());
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage()).contains("container root-shell is privileged");
    }

    @Test
    void onlyNewlyAddedContainersAreJudged() {
        Pod withOld = Admission.SERIALIZATION.clone(injected);
        withOld.getSpec()
                .setEphemeralContainers(new ArrayList<>(List.of(new EphemeralContainerBuilder()
                        .withName("from-before")
                        .withImage("busybox")
                        .withTargetContainerName("pgwarden-sidecar")
                        .build())));
        AdmissionResponse response = debug(
                withOld,
                new EphemeralContainerBuilder()
                        .withName("debugger-3")
                        .withImage("busybox")
                        .withTargetContainerName(agentContainer())
                        .build());
        assertThat(response.getAllowed())
                .as(String.valueOf(response.getStatus()))
                .isTrue();
    }

    @Test
    void podsPgwardenDoesNotGuardAreLeftAlone() {
        Pod plain = Admission.SERIALIZATION.clone(injected);
        plain.getMetadata().getLabels().remove(PgwardenLabels.INJECT);
        plain.getSpec().getInitContainers().removeIf(c -> c.getName().equals("pgwarden-sidecar"));
        AdmissionResponse response = debug(
                plain,
                new EphemeralContainerBuilder()
                        .withName("anything")
                        .withImage("busybox")
                        .addNewVolumeMount()
                        .withName("pgwarden-policy")
                        .withMountPath("/x")
                        .endVolumeMount()
                        .build());
        assertThat(response.getAllowed()).isTrue();
    }

    private String agentContainer() {
        return injected.getSpec().getContainers().get(0).getName();
    }

    /** The AdmissionReview the API server sends when {@code kubectl debug} adds {@code added}. */
    private static AdmissionResponse debug(Pod before, EphemeralContainer added) {
        Pod after = Admission.SERIALIZATION.clone(before);
        List<EphemeralContainer> containers = after.getSpec().getEphemeralContainers() == null
                ? new ArrayList<>()
                : new ArrayList<>(after.getSpec().getEphemeralContainers());
        containers.add(added);
        after.getSpec().setEphemeralContainers(containers);
        ObjectNode request = Fixtures.JSON
                .createObjectNode()
                .put("uid", "debug-1")
                .put("namespace", Fixtures.NAMESPACE)
                .put("name", "agent-0")
                .put("operation", "UPDATE")
                .put("subResource", "ephemeralcontainers");
        request.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
        request.putObject("resource").put("group", "").put("version", "v1").put("resource", "pods");
        request.putObject("userInfo").put("username", "alice@example.com");
        request.set(
                "object", Fixtures.JSON.valueToTree(Admission.SERIALIZATION.convertValue(after, java.util.Map.class)));
        request.set(
                "oldObject",
                Fixtures.JSON.valueToTree(Admission.SERIALIZATION.convertValue(before, java.util.Map.class)));
        ObjectNode review = Fixtures.JSON
                .createObjectNode()
                .put("apiVersion", "admission.k8s.io/v1")
                .put("kind", "AdmissionReview");
        review.set("request", request);
        return new EphemeralContainerCheck().handle(Fixtures.review(review).getRequest());
    }
}
