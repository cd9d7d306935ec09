package dev.pgwarden.sidecar.approval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The loopback endpoint behind {@code pgwarden approvals/approve/deny}: a caller without the
 * secret that {@code pgwarden local} writes to its 0600 state file can neither list nor decide
 * requests; the secret's holder can.
 */
@Timeout(60)
class LocalApprovalEndpointTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private LocalApprovalGate gate;
    private LocalApprovalEndpoint endpoint;

    @BeforeEach
    void start() throws Exception {
        gate = new LocalApprovalGate(Clock.systemUTC());
        endpoint = LocalApprovalEndpoint.start(gate);
    }

    @AfterEach
    void stop() {
        endpoint.close();
        gate.close();
    }

    private HttpResponse<String> call(String method, String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint.url() + path))
                .timeout(Duration.ofSeconds(10))
                .method(
                        method,
                        method.equals("POST")
                                ? HttpRequest.BodyPublishers.ofString("{\"comment\":\"fine\"}")
                                : HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void callersWithoutTheSecretCanNeitherListNorDecide() throws Exception {
        ApprovalGate.PendingApproval pending = gate.submit(new ApprovalRequest(
                        "local",
                        "destructive-ddl",
                        "a DROP",
                        new ApprovalSubject("http://127.0.0.1", "local:agent", null, null),
                        "s1",
                        "DROP TABLE t",
                        List.of(),
                        "key-1",
                        "sha256:1",
                        Instant.now().plusSeconds(600),
                        null,
                        null,
                        List.of()))
                .get(10, TimeUnit.SECONDS);
        String approve = "/" + pending.name() + "/approve";

        for (String wrong : new String[] {
            null, "Bearer ", "Bearer " + endpoint.secret().substring(1), endpoint.secret(), "Basic " + endpoint.secret()
        }) {
            HttpResponse<String> list = call("GET", "", wrong);
            assertThat(list.statusCode()).as("list with %s", wrong).isEqualTo(401);
            assertThat(list.body()).doesNotContain("DROP TABLE t").contains("missing or wrong secret");
            assertThat(call("POST", approve, wrong).statusCode())
                    .as("approve with %s", wrong)
                    .isEqualTo(401);
        }
        assertThat(gate.find(pending.name()).phase()).isEqualTo("Pending");
        assertThat(pending.outcome()).isNotDone();

        String secret = "Bearer " + endpoint.secret();
        assertThat(call("GET", "", secret).body()).contains("DROP TABLE t");
        assertThat(call("POST", approve, secret).statusCode()).isEqualTo(200);
        assertThat(pending.outcome().get(10, TimeUnit.SECONDS).state()).isEqualTo(ApprovalOutcome.State.APPROVED);
    }
}
