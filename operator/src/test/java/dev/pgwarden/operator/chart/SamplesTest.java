package dev.pgwarden.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.cluster.PgwardenLabels;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** config/samples/ fit together: what the agent Deployment and Secrets name is what the policy names. */
class SamplesTest {
    private static final Path SAMPLES = RenderedChart.REPO.resolve("config/samples");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    @Test
    void agentDeploymentOptsInWithThePolicysServiceAccount() throws Exception {
        GenericKubernetesResource policy =
                (GenericKubernetesResource) load("policy.yaml").get(0);
        String namespace = policy.getMetadata().getNamespace();
        List<HasMetadata> agent = load("agent-deployment.yaml");
        Deployment deployment = agent.stream()
                .filter(Deployment.class::isInstance)
                .map(Deployment.class::cast)
                .findFirst()
                .orElseThrow();
        ServiceAccount account = agent.stream()
                .filter(ServiceAccount.class::isInstance)
                .map(ServiceAccount.class::cast)
                .findFirst()
                .orElseThrow();

        var pod = deployment.getSpec().getTemplate();
        assertThat(pod.getMetadata().getLabels()).containsEntry(PgwardenLabels.INJECT, "true");
        assertThat(pod.getMetadata().getAnnotations())
                .containsEntry(PgwardenAnnotations.POLICY, policy.getMetadata().getName());
        assertThat(deployment.getMetadata().getNamespace()).isEqualTo(namespace);
        assertThat(pod.getSpec().getServiceAccountName())
                .isEqualTo(account.getMetadata().getName());
        assertThat(account.getMetadata().getNamespace()).isEqualTo(namespace);
        assertThat(subjects(policy))
                .contains(namespace + "/" + account.getMetadata().getName());
    }

    @Test
    void secretsThePolicyNamesAreSampled() throws Exception {
        GenericKubernetesResource policy =
                (GenericKubernetesResource) load("policy.yaml").get(0);
        Map<String, Secret> secrets = new java.util.HashMap<>();
        load("admin-secret.yaml").forEach(o -> secrets.put(o.getMetadata().getName(), (Secret) o));

        Secret admin = secrets.get((String) policy.get("spec", "database", "adminSecretRef", "name"));
        assertThat(admin).isNotNull();
        assertThat(admin.getMetadata().getNamespace())
                .isEqualTo(policy.getMetadata().getNamespace());
        assertThat(admin.getStringData()).containsOnlyKeys("username", "password", "host", "port", "database");
        assertThat(admin.getMetadata().getLabels())
                .as("the operator uses only admin Secrets that opt in")
                .containsEntry(PgwardenLabels.ADMIN_SECRET, "true");
        // Pinned to the database the sample policy names, so the pin does not refuse the sample itself.
        assertThat(admin.getStringData().get("host")).isEqualTo(policy.get("spec", "database", "host"));
        assertThat(admin.getStringData().get("port"))
                .isEqualTo(String.valueOf((Object) policy.get("spec", "database", "port")));
        assertThat(admin.getStringData().get("database")).isEqualTo(policy.get("spec", "database", "name"));

        Secret s3 = secrets.get((String) policy.get("spec", "recording", "s3", "credentialsSecretRef", "name"));
        assertThat(s3).isNotNull();
        assertThat(s3.getStringData()).containsOnlyKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
    }

    @Test
    void readmeHasTheApproveAndDenyCommands() throws Exception {
        String readme = Files.readString(SAMPLES.resolve("README.md"));
        assertThat(readme)
                .contains("patch queryapproval NAME --type merge -p '{\"spec\":{\"decision\":\"Approved\"}}'")
                .contains("\"decision\":\"Denied\",\"comment\":");
    }

    @SuppressWarnings("unchecked")
    private static List<String> subjects(GenericKubernetesResource policy) {
        List<Map<String, Object>> subjects = (List<Map<String, Object>>) policy.get("spec", "subjects");
        return subjects.stream()
                .map(s -> (String) s.get("serviceAccount"))
                .filter(java.util.Objects::nonNull)
                .toList();
    }

    private static List<HasMetadata> load(String file) throws Exception {
        Object parsed = SERIALIZATION.unmarshal(Files.readString(SAMPLES.resolve(file)));
        @SuppressWarnings("unchecked")
        List<HasMetadata> objects =
                parsed instanceof List<?> list ? (List<HasMetadata>) list : List.of((HasMetadata) parsed);
        return objects;
    }
}
