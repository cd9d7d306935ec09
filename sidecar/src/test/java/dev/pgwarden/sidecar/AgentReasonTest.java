package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.sidecar.approval.LocalApprovalGate;
import dev.pgwarden.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An agent says why: a leading {@code pgwarden:reason} comment, or {@code SET pgwarden.reason}
 * for the session. The reason reaches the approval request and the audit, through both query
 * protocols, and never carries a value of the statement it comes with.
 */
class AgentReasonTest {
    private static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: reasons}
      spec:
        access: {mode: ReadWrite}
        masking:
          - columns: [reason_t.people.email]
            strategy: partial
        rules:
          - name: unbounded-writes
            statements: [UPDATE, DELETE]
            withoutWhere: true
            action: RequireApproval
        approval: {mode: Wait, timeout: 1m}
      """;

    static LocalApprovalGate gate;
    static ProxyFixture f;

    @BeforeAll
    static void start() throws SQLException {
        try (Connection c = TestPostgres.shared().superuser("app");
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS reason_t CASCADE");
            s.execute("CREATE SCHEMA reason_t AUTHORIZATION " + TestPostgres.SCRAM_USER);
            s.execute("SET ROLE " + TestPostgres.SCRAM_USER);
            s.execute("CREATE TABLE reason_t.people (id int PRIMARY KEY, email text, note text)");
            s.execute(
                    "INSERT INTO reason_t.people VALUES (1, 'ada.private@example.com', 'a'), (2, 'bob@example.org', 'b')");
        }
        gate = new LocalApprovalGate(Clock.systemUTC());
        f = new ProxyFixture(POLICY, gate);
    }

    @AfterAll
    static void stop() {
        f.close();
        gate.close();
    }

    @Test
    void aLeadingCommentIsTheReasonReviewersAndTheAuditSee() throws Exception {
        String sql =
                "/* pgwarden:reason reset the notes before the re-import */ update reason_t.people set note = null";
        try (Connection c = f.connect();
                Statement s = c.createStatement()) {
            CompletableFuture<Integer> update = async(() -> s.executeUpdate(sql));
            LocalApprovalGate.Entry entry = awaitPending("reset the notes");
            assertThat(entry.request().agentReason()).isEqualTo("reset the notes before the re-import");
            gate.decide(entry.name(), true, "alice", null);
            assertThat(update.get(10, TimeUnit.SECONDS)).isEqualTo(2);
        }
        JsonNode event = f.awaitEvent(e -> e.path("statement").asText().contains("set note = null"));
        assertThat(event.path("reason").asText()).isEqualTo("reset the notes before the re-import");
        assertThat(event.path("approvalOutcome").asText()).isEqualTo("approved");
    }

    /** Extended protocol: the session's reason goes with a held Execute, and SHOW sees the setting too. */
    @Test
    void theSessionSettingGivesTheReasonUntilReset() throws Exception {
        try (Connection c = f.connect();
                Statement s = c.createStatement()) {
            s.execute("SET pgwarden.reason = 'ticket 7: notes are stale'");
            try (ResultSet rs = s.executeQuery("SHOW pgwarden.reason")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("ticket 7: notes are stale");
            }
            PreparedStatement p = c.prepareStatement("update reason_t.people set note = ?");
            p.setString(1, "refreshed");
            CompletableFuture<Integer> update = async(p::executeUpdate);
            LocalApprovalGate.Entry entry = awaitPending("ticket 7");
            assertThat(entry.request().agentReason()).isEqualTo("ticket 7: notes are stale");
            gate.decide(entry.name(), true, "alice", null);
            assertThat(update.get(10, TimeUnit.SECONDS)).isEqualTo(2);

            s.execute("/* pgwarden:reason its own reason wins */ select 1 as own");
            s.execute("RESET pgwarden.reason");
            s.execute("select 2 as after_reset");
        }
        assertThat(f.awaitEvent(e -> e.path("statement").asText().contains("set note = $1"))
                        .path("reason")
                        .asText())
                .isEqualTo("ticket 7: notes are stale");
        assertThat(f.awaitEvent(e -> e.path("statement").asText().contains("select 1 as own"))
                        .path("reason")
                        .asText())
                .isEqualTo("its own reason wins");
        assertThat(f.awaitEvent(e -> e.path("statement").asText().contains("select 2 as after_reset"))
                        .has("reason"))
                .isFalse();
    }

    /** A statement that names masked columns is audited by its fingerprint; its reason is kept as written, nothing more. */
    @Test
    void aReasonNeverCarriesTheStatementsLiterals() throws Exception {
        try (Connection c = f.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("/* pgwarden:reason look up one customer by address */"
                        + " select id from reason_t.people where email = 'ada.private@example.com'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
        JsonNode event = f.awaitEvent(e -> e.path("statement").asText().contains("where email = ?"));
        assertThat(event.path("reason").asText()).isEqualTo("look up one customer by address");
        assertThat(f.auditText()).doesNotContain("ada.private");
    }

    private static LocalApprovalGate.Entry awaitPending(String reasonPart) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (LocalApprovalGate.Entry e : gate.list()) {
                if (e.phase().equals("Pending")
                        && e.request().agentReason() != null
                        && e.request().agentReason().contains(reasonPart)) {
                    return e;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no pending request with reason " + reasonPart + "; requests: " + gate.list());
    }

    interface SqlCall<T> {
        T call() throws SQLException;
    }

    private static <T> CompletableFuture<T> async(SqlCall<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.call();
            } catch (SQLException e) {
                throw new CompletionException(e);
            }
        });
    }
}
