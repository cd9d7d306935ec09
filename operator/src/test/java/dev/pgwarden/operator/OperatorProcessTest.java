package dev.pgwarden.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.operator.policy.Conditions;
import dev.pgwarden.testkit.TestPostgres;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The whole operator process as the chart starts it (leader election, self-made webhook TLS,
 * probes, metrics, both reconcilers), against the Fabric8 mock API server in CRUD mode and a
 * real PostgreSQL: a policy becomes Ready, and a pod naming it is injected over HTTPS with the
 * CA the operator patched into the webhook configuration.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorProcessTest {
    static final String OPERATOR_NS = "pgwarden-system";

    KubernetesMockServer server;
    KubernetesClient client;
    private AutoCloseable running;
    private int opsPort;
    private int webhookPort;

    @BeforeEach
    void start() throws Exception {
        ClusterFixture.installCrds(client);
        client.resource(new MutatingWebhookConfigurationBuilder()
                        .withNewMetadata()
                        .withName("pgwarden")
                        .endMetadata()
                        .addNewWebhook()
                        .withName("pods.pgwarden.dev")
                        .withNewClientConfig()
                        .withNewService()
                        .withName("pgwarden-webhook")
                        .withNamespace(OPERATOR_NS)
                        .withPath("/mutate-pods")
                        .endService()
                        .endClientConfig()
                        .endWebhook()
                        .build())
                .create();
        client.resource(new ValidatingWebhookConfigurationBuilder()
                        .withNewMetadata()
                        .withName("pgwarden")
                        .endMetadata()
                        .addNewWebhook()
                        .withName("policies.pgwarden.dev")
                        .withNewClientConfig()
                        .withNewService()
                        .withName("pgwarden-webhook")
                        .withNamespace(OPERATOR_NS)
                        .withPath("/validate-databaseaccesspolicies")
                        .endService()
                        .endClientConfig()
                        .endWebhook()
                        .build())
                .create();
        // JOSDK checks it may use Leases before electing; the mock server cannot answer that review by itself.
        server.expect()
                .post()
                .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReturn(
                        201,
                        new SelfSubjectRulesReviewBuilder()
                                .withNewStatus()
                                .addNewResourceRule()
                                .withApiGroups("coordination.k8s.io")
                                .withResources("leases")
                                .withVerbs("get", "create", "update")
                                .endResourceRule()
                                .withIncomplete(false)
                                .endStatus()
                                .build())
                .always();
        opsPort = freePort();
        webhookPort = freePort();
        // The process builds its own client the way it does in a pod; here it is pointed at the mock server.
        Map<String, String> clientProperties = Map.of(
                "kubernetes.master", client.getMasterUrl().toString(),
                "kubernetes.trust.certificates", "true",
                "kubernetes.auth.tryKubeConfig", "false",
                "kubernetes.auth.tryServiceAccount", "false");
        running = launch(
                clientProperties,
                List.of(
                        "--namespace=" + OPERATOR_NS,
                        "--leader-election=true",
                        "--ops-listen=127.0.0.1:" + opsPort,
                        "--webhook-listen=127.0.0.1:" + webhookPort,
                        "--webhook-service=pgwarden-webhook",
                        "--webhook-configuration=pgwarden",
                        "--sidecar-image=ghcr.io/pgwarden/pgwarden-sidecar:test",
                        "--approval-retention=1h"));
    }

    /** Starts the operator in this JVM; {@link ShadedOperatorJarIT} runs the image's jar instead. */
    protected AutoCloseable launch(Map<String, String> clientProperties, List<String> args) throws Exception {
        clientProperties.forEach(System::setProperty);
        OperatorMain main = new OperatorMain();
        new CommandLine(main).parseArgs(args.toArray(String[]::new));
        main.exitOnLostLease = false;
        OperatorMain.Running started = main.start();
        return () -> {
            started.close();
            clientProperties.keySet().forEach(System::clearProperty);
        };
    }

    @AfterEach
    void stop() throws Exception {
        running.close();
    }

    @Test
    void reconcilesInjectsAndReportsHealth() throws Exception {
        assertThat(get("/healthz").statusCode).isEqualTo(200);
        Await.until(() -> get("/readyz").statusCode == 200, "/readyz answers 200");
        Await.until(
                () -> client.leases()
                                .inNamespace(OPERATOR_NS)
                                .withName("pgwarden-operator")
                                .get()
                        != null,
                "the replica takes the Lease");

        TestPostgres postgres = TestPostgres.shared();
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS process_db");
            s.execute("CREATE DATABASE process_db");
        }
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("pg-admin")
                        .withNamespace("agents")
                        .addToLabels(PgwardenLabels.ADMIN_SECRET, "true")
                        .endMetadata()
                        .addToStringData("username", "postgres")
                        .addToStringData("password", "trust-on-loopback")
                        .build())
                .create();
        client.resource(client.getKubernetesSerialization()
                        .unmarshal("""
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: analytics-agent, namespace: agents}
        spec:
          database: {host: 127.0.0.1, port: %d, name: process_db, sslMode: disable, adminSecretRef: {name: pg-admin}}
          subjects: [{serviceAccount: agents/claude}]
          access: {mode: ReadOnly}
        """.formatted(postgres.port()), DatabaseAccessPolicy.class))
                .create();
        Await.until(
                () -> {
                    DatabaseAccessPolicy p = client.resources(DatabaseAccessPolicy.class)
                            .inNamespace("agents")
                            .withName("analytics-agent")
                            .get();
                    return p.getStatus() != null
                            && "True"
                                    .equals(Conditions.find(p.getStatus().conditions(), "Ready")
                                            .getStatus());
                },
                "the policy is Ready");

        String metrics = get("/metrics").body;
        assertThat(metrics).contains("operator_sdk_").contains("databaseaccesspolicy");

        // The operator made a CA, kept it in a Secret and put it into caBundle; a client trusting it reaches the
        // webhooks.
        assertThat(client.secrets()
                        .inNamespace(OPERATOR_NS)
                        .withName("pgwarden-webhook-tls")
                        .get())
                .isNotNull();
        MutatingWebhookConfiguration mutating = client.admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName("pgwarden")
                .get();
        byte[] caBundle = Base64.getDecoder()
                .decode(mutating.getWebhooks().get(0).getClientConfig().getCaBundle());
        assertThat(client.admissionRegistration()
                        .v1()
                        .validatingWebhookConfigurations()
                        .withName("pgwarden")
                        .get()
                        .getWebhooks()
                        .get(0)
                        .getClientConfig()
                        .getCaBundle())
                .isEqualTo(Base64.getEncoder().encodeToString(caBundle));

        byte[] review = Files.readAllBytes(
                ClusterFixture.repoRoot().resolve("operator/src/test/resources/admission/pods/inject.json"));
        JsonNode answer = new ObjectMapper().readTree(postAdmission("/mutate-pods", review, caBundle));
        assertThat(answer.path("response").path("allowed").asBoolean())
                .as(answer.toString())
                .isTrue();
        String patch = new String(
                Base64.getDecoder().decode(answer.path("response").path("patch").asText()), StandardCharsets.UTF_8);
        assertThat(patch)
                .contains("pgwarden-sidecar")
                .contains("pgwarden-analytics-agent")
                .contains("ghcr.io/pgwarden/pgwarden-sidecar:test");
    }

    private record Reply(int statusCode, String body) {}

    private Reply get(String path) {
        try {
            HttpURLConnection c = (HttpURLConnection)
                    URI.create("http://127.0.0.1:" + opsPort + path).toURL().openConnection();
            c.setConnectTimeout(5000);
            c.setReadTimeout(5000);
            int code = c.getResponseCode();
            try (InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream()) {
                return new Reply(code, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (java.io.IOException e) {
            return new Reply(-1, e.toString());
        }
    }

    /**
     * POSTs to the webhook port on loopback. The certificate names the Service, not 127.0.0.1, so
     * the name check is done here: the served certificate must name {@code pgwarden-webhook.pgwarden-system.svc}.
     */
    private String postAdmission(String path, byte[] body, byte[] caPem) throws Exception {
        X509Certificate ca = (X509Certificate)
                CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(caPem));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpsURLConnection c = (HttpsURLConnection)
                URI.create("https://127.0.0.1:" + webhookPort + path).toURL().openConnection();
        c.setSSLSocketFactory(ssl.getSocketFactory());
        c.setHostnameVerifier((host, session) -> {
            try {
                X509Certificate served = (X509Certificate) session.getPeerCertificates()[0];
                return served.getSubjectAlternativeNames().stream()
                        .anyMatch(san -> "pgwarden-webhook.pgwarden-system.svc".equals(san.get(1)));
            } catch (Exception e) {
                return false;
            }
        });
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        try (OutputStream out = c.getOutputStream()) {
            out.write(body);
        }
        assertThat(c.getResponseCode()).isEqualTo(200);
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
