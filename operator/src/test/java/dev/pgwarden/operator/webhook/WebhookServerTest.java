package dev.pgwarden.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.operator.webhook.injection.InjectionSettings;
import dev.pgwarden.operator.webhook.tls.CertificateAuthority;
import dev.pgwarden.operator.webhook.tls.WebhookTls;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The four paths over real HTTPS on loopback, with a certificate from a test CA the client trusts. */
@EnableKubernetesMockClient(crud = true)
class WebhookServerTest {
    KubernetesClient client;

    @TempDir
    Path tlsDir;

    private WebhookServer server;
    private WebhookTls tls;
    private HttpClient http;

    @BeforeEach
    void start() throws Exception {
        Fixtures.createPolicies(client);
        CertificateAuthority ca = TlsFiles.ca();
        TlsFiles.write(tlsDir, TlsFiles.localhost(ca));
        tls = WebhookTls.fromDirectory(tlsDir);
        server = WebhookServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                tls.sslContext(),
                client,
                InjectionSettings.withDefaults("ghcr.io/pgwarden/sidecar:0.1.0"));
        http = TlsFiles.clientTrusting(ca.certificate());
    }

    @AfterEach
    void stop() {
        server.close();
        tls.close();
    }

    private HttpResponse<String> post(String path, byte[] body) throws Exception {
        URI uri = URI.create("https://localhost:" + server.address().getPort() + path);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void injectsAPodOverHttps() throws Exception {
        HttpResponse<String> response =
                post("/mutate-pods", Fixtures.text("pods/inject.json").getBytes());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode review = Fixtures.JSON.readTree(response.body());
        assertThat(review.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
        assertThat(review.path("kind").asText()).isEqualTo("AdmissionReview");
        assertThat(review.path("response").path("uid").asText()).isEqualTo("pod-inject");
        assertThat(review.path("response").path("allowed").asBoolean()).isTrue();
        assertThat(review.path("response").path("patchType").asText()).isEqualTo("JSONPatch");
        String patch = new String(
                Base64.getDecoder().decode(review.path("response").path("patch").asText()));
        assertThat(patch).contains("pgwarden-sidecar").contains("\"op\":\"add\"");
        assertThat(review.has("request")).isFalse();
    }

    @Test
    void servesEveryPath() throws Exception {
        assertThat(allowed(post(
                        "/validate-databaseaccesspolicies",
                        Fixtures.text("policies/many-problems.json").getBytes())))
                .isFalse();
        assertThat(allowed(post(
                        "/validate-queryapprovals",
                        Fixtures.text("approvals/create-approved.json").getBytes())))
                .isFalse();
        assertThat(allowed(post(
                        "/validate-queryapprovals",
                        Fixtures.text("approvals/create-pending.json").getBytes())))
                .isTrue();
        JsonNode stamped = Fixtures.JSON.readTree(post(
                        "/mutate-queryapprovals",
                        Fixtures.text("approvals/approve-by-group-reviewer.json")
                                .getBytes())
                .body());
        assertThat(stamped.path("response").path("patchType").asText()).isEqualTo("JSONPatch");
    }

    @Test
    void badJsonIsA400WithAReason() throws Exception {
        HttpResponse<String> response = post("/mutate-pods", "{\"apiVersion\": \"admission.k8s.io/v1\", ".getBytes());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).startsWith("request body is not an AdmissionReview v1 JSON document");
    }

    @Test
    void aReviewWithoutARequestIsA400() throws Exception {
        HttpResponse<String> response = post(
                "/validate-queryapprovals",
                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}".getBytes());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("no request");
    }

    @Test
    void anOversizedBodyIsA400() throws Exception {
        byte[] body = new byte[WebhookServer.MAX_BODY_BYTES + 1];
        java.util.Arrays.fill(body, (byte) ' ');

        HttpResponse<String> response = post("/mutate-pods", body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("exceeds " + WebhookServer.MAX_BODY_BYTES + " bytes");
    }

    @Test
    void onlyPostOnKnownPaths() throws Exception {
        URI base = URI.create("https://localhost:" + server.address().getPort());
        HttpResponse<String> get = http.send(
                HttpRequest.newBuilder(base.resolve("/mutate-pods")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> unknown = post("/mutate-pods-extra", "{}".getBytes());

        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        assertThat(unknown.statusCode()).isEqualTo(404);
    }

    private static boolean allowed(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).isEqualTo(200);
        return Fixtures.JSON
                .readTree(response.body())
                .path("response")
                .path("allowed")
                .asBoolean();
    }
}
