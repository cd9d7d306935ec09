package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.testkit.ServerActivity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that leaves while its statement runs: the statement is audited with outcome
 * {@code interrupted}, and the session's end says the client went away.
 */
@Timeout(60)
class InterruptedStatementTest {
    private static ProxyFixture f;

    @BeforeAll
    static void start() {
        f = new ProxyFixture();
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @Test
    void aStatementWhoseClientLeavesIsAuditedAsInterrupted() throws Exception {
        try (RawClient c = new RawClient(f.port()).authenticate(f.token())) {
            c.query("select pg_sleep(60) as left_while_running");
            ServerActivity.awaitRunning("left_while_running");
        }
        JsonNode statement =
                f.awaitEvent(e -> e.path("statement").asText().contains("left_while_running") && e.has("outcome"));
        assertThat(statement.path("outcome").asText()).isEqualTo("interrupted");
        JsonNode end = f.awaitEvent(e -> "session_end".equals(e.path("event").asText())
                && e.path("session").asText().equals(statement.path("session").asText()));
        assertThat(end.path("reason").asText()).isIn("client disconnected", "client connection lost: Connection reset");
    }
}
