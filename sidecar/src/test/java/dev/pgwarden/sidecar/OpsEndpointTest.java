package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.sidecar.ops.OpsServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OpsEndpointTest {
    private static HttpResponse<String> get(OpsServer ops, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + ops.address().getPort() + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthReadinessAndMetrics() throws Exception {
        AtomicBoolean ready = new AtomicBoolean(false);
        try (ProxyFixture f = new ProxyFixture();
                OpsServer ops = OpsServer.start(new InetSocketAddress("127.0.0.1", 0), f.metrics, ready::get)) {
            assertThat(get(ops, "/healthz").statusCode()).isEqualTo(200);
            assertThat(get(ops, "/readyz").statusCode()).isEqualTo(503);
            ready.set(true);
            assertThat(get(ops, "/readyz").statusCode()).isEqualTo(200);
            try (Connection c = f.connect()) {
                c.createStatement().execute("select 1");
                String during = get(ops, "/metrics").body();
                assertThat(during).contains("pgwarden_sessions_active 1.0");
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> f.connect(props("password", "x")).close())
                    .isInstanceOfSatisfying(
                            java.sql.SQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
            String metrics = get(ops, "/metrics").body();
            assertThat(metrics)
                    .contains("pgwarden_sessions_total 1.0")
                    .contains("pgwarden_sessions_active 0.0")
                    .contains("pgwarden_statements_total{outcome=\"ok\"}")
                    .contains("pgwarden_bytes_total{direction=\"from_client\"}")
                    .contains("pgwarden_bytes_total{direction=\"to_client\"}")
                    .contains("pgwarden_auth_failures_total{reason=\"malformed\"} 1.0")
                    .contains("pgwarden_upstream_connect_seconds_count 1")
                    .containsPattern("pgwarden_statement_duration_seconds_count [1-9]");
        }
    }

    private static java.util.Properties props(String k, String v) {
        java.util.Properties p = new java.util.Properties();
        p.setProperty(k, v);
        return p;
    }
}
