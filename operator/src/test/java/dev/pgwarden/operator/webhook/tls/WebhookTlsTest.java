package dev.pgwarden.operator.webhook.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.operator.webhook.TlsFiles;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@EnableKubernetesMockClient(crud = true)
class WebhookTlsTest {
    static final String NAMESPACE = "pgwarden-system";
    static final String SERVICE = "pgwarden-webhook";
    static final String CONFIGURATION = "pgwarden";
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    KubernetesClient client;

    private WebhookTls selfGenerated(Instant now) {
        return WebhookTls.selfGenerated(
                client, NAMESPACE, SERVICE, CONFIGURATION, Clock.fixed(now, ZoneOffset.UTC), null);
    }

    private void createConfigurations(boolean validating) {
        client.admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .resource(new MutatingWebhookConfigurationBuilder()
                        .withNewMetadata()
                        .withName(CONFIGURATION)
                        .endMetadata()
                        .addNewWebhook()
                        .withName("pods.pgwarden.dev")
                        .withNewClientConfig()
                        .withNewService()
                        .withName(SERVICE)
                        .withNamespace(NAMESPACE)
                        .withPath("/mutate-pods")
                        .endService()
                        .endClientConfig()
                        .withAdmissionReviewVersions("v1")
                        .withSideEffects("None")
                        .endWebhook()
                        .addNewWebhook()
                        .withName("queryapprovals.pgwarden.dev")
                        .withNewClientConfig()
                        .withNewService()
                        .withName(SERVICE)
                        .withNamespace(NAMESPACE)
                        .withPath("/mutate-queryapprovals")
                        .endService()
                        .endClientConfig()
                        .withAdmissionReviewVersions("v1")
                        .withSideEffects("None")
                        .endWebhook()
                        .build())
                .create();
        if (validating) {
            client.admissionRegistration()
                    .v1()
                    .validatingWebhookConfigurations()
                    .resource(new ValidatingWebhookConfigurationBuilder()
                            .withNewMetadata()
                            .withName(CONFIGURATION)
                            .endMetadata()
                            .addNewWebhook()
                            .withName("queryapprovals.pgwarden.dev")
                            .withNewClientConfig()
                            .withNewService()
                            .withName(SERVICE)
                            .withNamespace(NAMESPACE)
                            .withPath("/validate-queryapprovals")
                            .endService()
                            .endClientConfig()
                            .withAdmissionReviewVersions("v1")
                            .withSideEffects("None")
                            .endWebhook()
                            .build())
                    .create();
        }
    }

    private List<String> caBundles() {
        var mutating = client.admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName(CONFIGURATION)
                .get();
        var validating = client.admissionRegistration()
                .v1()
                .validatingWebhookConfigurations()
                .withName(CONFIGURATION)
                .get();
        Stream<String> m = mutating == null
                ? Stream.empty()
                : mutating.getWebhooks().stream().map(w -> w.getClientConfig().getCaBundle());
        Stream<String> v = validating == null
                ? Stream.empty()
                : validating.getWebhooks().stream().map(w -> w.getClientConfig().getCaBundle());
        return Stream.concat(m, v).toList();
    }

    private static String bundleOf(TlsMaterial material) {
        return Base64.getEncoder().encodeToString(material.caPem().getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void makesTheSecretAndPatchesTheCaIntoEveryWebhook() {
        createConfigurations(true);

        try (WebhookTls tls = selfGenerated(NOW)) {
            TlsMaterial material = tls.current();

            Secret secret = client.secrets()
                    .inNamespace(NAMESPACE)
                    .withName("pgwarden-webhook-tls")
                    .get();
            assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
            assertThat(secret.getData()).containsKeys("tls.crt", "tls.key", "ca.crt", "ca.key");
            assertThat(material.dnsNames())
                    .containsExactly(
                            "pgwarden-webhook.pgwarden-system.svc",
                            "pgwarden-webhook.pgwarden-system.svc.cluster.local");
            assertThat(material.certificate().getIssuerX500Principal())
                    .isEqualTo(material.ca().getSubjectX500Principal());
            assertThat(caBundles()).hasSize(3).containsOnly(bundleOf(material));
        }
    }

    @Test
    void aSecondReplicaReusesTheSecret() throws Exception {
        createConfigurations(true);
        TlsMaterial first;
        try (WebhookTls tls = selfGenerated(NOW)) {
            first = tls.current();
        }

        try (WebhookTls second = selfGenerated(NOW.plus(Duration.ofDays(1)))) {
            assertThat(second.current().certificate()).isEqualTo(first.certificate());
            assertThat(second.current().key().getEncoded())
                    .isEqualTo(first.key().getEncoded());
            assertThat(caBundles()).containsOnly(bundleOf(first));
        }
    }

    @Test
    void renewsACertificateExpiringWithinThirtyDaysFromTheSameCa() {
        createConfigurations(true);
        TlsMaterial first;
        try (WebhookTls tls = selfGenerated(NOW)) {
            first = tls.current();
        }

        try (WebhookTls later = selfGenerated(NOW.plus(Duration.ofDays(340)))) {
            TlsMaterial renewed = later.current();
            assertThat(renewed.certificate().getSerialNumber())
                    .isNotEqualTo(first.certificate().getSerialNumber());
            assertThat(renewed.certificate().getNotAfter().toInstant()).isAfter(NOW.plus(Duration.ofDays(400)));
            // The API servers keep trusting the same CA: the bundle does not change.
            assertThat(renewed.ca()).isEqualTo(first.ca());
            assertThat(caBundles()).containsOnly(bundleOf(first));
            Secret secret = client.secrets()
                    .inNamespace(NAMESPACE)
                    .withName("pgwarden-webhook-tls")
                    .get();
            assertThat(new String(
                            Base64.getDecoder().decode(secret.getData().get("tls.crt")), StandardCharsets.US_ASCII))
                    .isEqualTo(renewed.certificatePem());
        }
    }

    @Test
    void skipsAConfigurationKindThatDoesNotExist() {
        createConfigurations(false);

        try (WebhookTls tls = selfGenerated(NOW)) {
            assertThat(caBundles()).hasSize(2).containsOnly(bundleOf(tls.current()));
            assertThat(new CaBundlePatcher(client)
                            .patch(CONFIGURATION, tls.current().caPem()))
                    .isEqualTo(1);
        }
    }

    @Test
    void restoresACaBundleThatAChartUpgradeEmptied() {
        createConfigurations(true);
        try (WebhookTls tls = selfGenerated(NOW)) {
            client.admissionRegistration()
                    .v1()
                    .validatingWebhookConfigurations()
                    .withName(CONFIGURATION)
                    .edit(c -> {
                        c.getWebhooks().forEach(w -> w.getClientConfig().setCaBundle(null));
                        return c;
                    });

            tls.refreshNow();

            assertThat(caBundles()).hasSize(3).containsOnly(bundleOf(tls.current()));
        }
    }

    @Test
    void aDirectoryPairIsReloadedWhenRenewedButNotWhenHalfWritten(@TempDir Path dir) throws Exception {
        var ca = TlsFiles.ca();
        TlsMaterial first = TlsFiles.localhost(ca);
        TlsFiles.write(dir, first);
        try (WebhookTls tls = WebhookTls.fromDirectory(dir)) {
            assertThat(tls.current().certificate()).isEqualTo(first.certificate());

            TlsMaterial renewed = TlsFiles.localhost(ca);
            TlsFiles.write(dir, renewed);
            tls.refreshNow();
            assertThat(tls.current().certificate()).isEqualTo(renewed.certificate());

            // A new certificate next to the old key (caught mid-swap) is not served.
            Files.writeString(dir.resolve("tls.crt"), TlsFiles.localhost(ca).certificatePem());
            tls.refreshNow();
            assertThat(tls.current().certificate()).isEqualTo(renewed.certificate());
        }
    }

    @Test
    void aDirectoryWithoutAPairFailsAtStartWithTheReason(@TempDir Path dir) {
        assertThatThrownBy(() -> WebhookTls.fromDirectory(dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot use the webhook certificate in " + dir);
    }
}
