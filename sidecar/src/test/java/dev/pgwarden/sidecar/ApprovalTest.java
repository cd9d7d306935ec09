package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.sidecar.approval.LocalApprovalGate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Statements held for approval through the proxy with pgjdbc and the local gate (the gate behind
 * {@code pgwarden local}): Wait mode (approve, deny, time out, disconnect, pipelining,
 * transactions) and Retry mode (an approval covers one identical statement, once).
 */
class ApprovalTest {
    private static final String RULES = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: approvals}
      spec:
        access: {mode: ReadWrite}
        rules:
          - name: destructive-ddl
            statements: [DROP, TRUNCATE]
            action: RequireApproval
          - name: unbounded-writes
            statements: [UPDATE, DELETE]
            withoutWhere: true
            action: RequireApproval
        approval: {mode: %s, timeout: %s}
      """;

    static LocalApprovalGate waitGate;
    static LocalApprovalGate retryGate;
    static ProxyFixture waiting;
    static ProxyFixture retrying;

    @BeforeAll
    static void start() {
        waitGate = new LocalApprovalGate(Clock.systemUTC());
        retryGate = new LocalApprovalGate(Clock.systemUTC());
        waiting = new ProxyFixture(RULES.formatted("Wait", "4s"), waitGate);
        retrying = new ProxyFixture(RULES.formatted("Retry", "1m"), retryGate);
    }

    @AfterAll
    static void stop() {
        waiting.close();
        retrying.close();
        waitGate.close();
        retryGate.close();
    }

    @BeforeEach
    void table() throws SQLException {
        try (Connection c = waiting.postgres.direct();
                Statement s = c.createStatement()) {
            s.execute("drop table if exists held_items; create table held_items (id int primary key, name text)");
            s.execute("insert into held_items values (1, 'one'), (2, 'two')");
        }
    }

    @Test
    void approvedStatementRunsOnTheSameConnection() throws Exception {
        try (Connection c = waiting.connect();
                Statement s = c.createStatement()) {
            CompletableFuture<Integer> update = run(() -> s.executeUpdate("update held_items set name = 'x'"));
            LocalApprovalGate.Entry entry = awaitPending(waitGate);
            assertThat(entry.request().statement()).isEqualTo("update held_items set name = 'x'");
            assertThat(entry.request().rule()).isEqualTo("unbounded-writes");
            assertThat(update).isNotDone();
            assertThat(waitGate.decide(entry.name(), true, "alice", "looks fine"))
                    .isTrue();
            assertThat(update.get(10, TimeUnit.SECONDS)).isEqualTo(2);
            SQLWarning notice = s.getWarnings();
            assertThat((Object) notice).isNotNull();
            assertThat(notice.getMessage())
                    .contains("waiting for approval " + entry.name())
                    .contains("unbounded-writes")
                    .contains("pgwarden approve " + entry.name());
            assertThat(entry.phase()).isEqualTo("Executed");
        }
        JsonNode event =
                waiting.awaitEvent(e -> e.path("statement").asText().equals("update held_items set name = 'x'"));
        assertThat(event.path("outcome").asText()).isEqualTo("ok");
        assertThat(event.path("decision").asText()).isEqualTo("RequireApproval");
        assertThat(event.path("approvalOutcome").asText()).isEqualTo("approved");
        assertThat(event.path("reviewer").asText()).isEqualTo("alice");
        assertThat(event.path("approval").asText()).startsWith("pgw-");
    }

    @Test
    void deniedStatementFailsWithTheReviewersComment() throws Exception {
        try (Connection c = waiting.connect();
                Statement s = c.createStatement()) {
            CompletableFuture<Boolean> drop = run(() -> s.execute("drop table held_items"));
            LocalApprovalGate.Entry entry = awaitPending(waitGate);
            waitGate.decide(entry.name(), false, "bob", "not in production");
            assertThatThrownBy(() -> drop.get(10, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("42501");
                        assertThat(e.getMessage())
                                .contains("bob denied approval " + entry.name())
                                .contains("not in production");
                    });
            // The session goes on.
            try (ResultSet rs = s.executeQuery("select count(*) from held_items")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(2);
            }
        }
    }

    @Test
    void undecidedRequestTimesOut() throws Exception {
        try (Connection c = waiting.connect();
                Statement s = c.createStatement()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> s.execute("truncate held_items")).isInstanceOfSatisfying(SQLException.class, e -> {
                assertThat(e.getSQLState()).isEqualTo("57014");
                assertThat(e.getMessage()).contains("was not decided within 4s");
            });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        }
        assertThat(countRows()).isEqualTo(2);
    }

    @Test
    void disconnectingWhileWaitingWithdrawsTheRequest() throws Exception {
        Connection c = waiting.connect();
        Statement s = c.createStatement();
        CompletableFuture<Boolean> drop = run(() -> s.execute("drop table held_items"));
        LocalApprovalGate.Entry entry = awaitPending(waitGate);
        c.abort(Executors.newSingleThreadExecutor());
        // The client's own abort: pgjdbc reports its connection as gone (class 08).
        assertThatThrownBy(() -> drop.get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).startsWith("08"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (entry.phase().equals("Pending") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(entry.phase()).isEqualTo("Withdrawn");
        assertThat(waitGate.decide(entry.name(), true, "alice", null)).isFalse();
        assertThat(countRows()).isEqualTo(2);
    }

    @Test
    void pipelinedStatementsWaitBehindTheHeldOneAndKeepTheirOrder() throws Exception {
        try (Connection c = waiting.connect();
                Statement s = c.createStatement()) {
            s.addBatch("insert into held_items values (3, 'three')");
            s.addBatch("delete from held_items");
            s.addBatch("insert into held_items values (4, 'four')");
            CompletableFuture<int[]> batch = run(s::executeBatch);
            LocalApprovalGate.Entry entry = awaitPending(waitGate);
            assertThat(entry.request().statement()).isEqualTo("delete from held_items");
            // The insert behind the held delete has not reached the database.
            assertThat(countRows()).isEqualTo(2);
            waitGate.decide(entry.name(), true, "alice", null);
            assertThat(batch.get(10, TimeUnit.SECONDS)).containsExactly(1, 3, 1);
        }
        assertThat(countRows()).isEqualTo(1);
    }

    @Test
    void heldStatementInsideATransaction() throws Exception {
        try (Connection c = waiting.connect();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("insert into held_items values (5, 'five')");
            CompletableFuture<Integer> delete = run(() -> s.executeUpdate("delete from held_items where true"));
            waitGate.decide(awaitPending(waitGate).name(), true, "alice", null);
            assertThat(delete.get(10, TimeUnit.SECONDS)).isEqualTo(3);
            s.executeUpdate("insert into held_items values (6, 'six')");
            c.commit();
            assertThat(countRows()).isEqualTo(1);

            // A denial is an error like any other: the transaction is aborted and nothing of it stays.
            s.executeUpdate("insert into held_items values (7, 'seven')");
            CompletableFuture<Integer> denied = run(() -> s.executeUpdate("delete from held_items"));
            waitGate.decide(awaitPending(waitGate).name(), false, "bob", null);
            assertThatThrownBy(() -> denied.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(SQLException.class);
            assertThatThrownBy(() -> s.executeUpdate("insert into held_items values (8, 'eight')"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25P02"));
            c.rollback();
        }
        assertThat(countRows()).isEqualTo(1);
    }

    @Test
    void executeIsJudgedByABodyPreparedEarlierInTheSameQuery() throws Exception {
        java.util.Properties simple = new java.util.Properties();
        simple.setProperty("preferQueryMode", "simple");
        try (Connection c = waiting.connect(simple);
                Statement s = c.createStatement()) {
            CompletableFuture<Boolean> wipe =
                    run(() -> s.execute("prepare wipe as delete from held_items; execute wipe"));
            LocalApprovalGate.Entry entry = awaitPending(waitGate);
            assertThat(entry.request().rule()).isEqualTo("unbounded-writes");
            waitGate.decide(entry.name(), false, "bob", null);
            assertThatThrownBy(() -> wipe.get(10, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("42501");
                        assertThat(e.getMessage()).contains("bob denied approval " + entry.name());
                    });
        }
        assertThat(countRows()).isEqualTo(2);
    }

    @Test
    void retryModeRunsTheIdenticalStatementOnceAfterApproval() throws Exception {
        try (Connection c = retrying.connect();
                PreparedStatement p = c.prepareStatement("update held_items set name = ?")) {
            p.setString(1, "renamed");
            String name = refusedAndRequested(p);
            // Still pending: the same statement is refused again, naming the same request.
            assertThatThrownBy(p::executeUpdate)
                    .isInstanceOfSatisfying(
                            SQLException.class,
                            e -> assertThat(e.getMessage()).contains("still awaits approval " + name));
            assertThat(retryGate.decide(name, true, "alice", null)).isTrue();

            // Other parameters are another statement: the approval does not cover them.
            p.setString(1, "something else");
            String other = refusedAndRequested(p);
            assertThat(other).isNotEqualTo(name);

            p.setString(1, "renamed");
            assertThat(p.executeUpdate()).isEqualTo(2);
            // Used once: the next run needs a new approval.
            assertThat(refusedAndRequested(p)).isNotIn(name, other);
        }
        List<JsonNode> events = retrying.statements("update held_items set name = $1");
        assertThat(events).anySatisfy(e -> {
            assertThat(e.path("outcome").asText()).isEqualTo("ok");
            assertThat(e.path("approvalOutcome").asText()).isEqualTo("approved");
            assertThat(e.path("reviewer").asText()).isEqualTo("alice");
        });
        assertThat(events)
                .filteredOn(e -> e.path("outcome").asText().equals("refused"))
                .hasSize(4);
    }

    private static String refusedAndRequested(PreparedStatement p) {
        String[] name = new String[1];
        assertThatThrownBy(p::executeUpdate).isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getSQLState()).isEqualTo("42501");
            assertThat(e.getMessage())
                    .contains("needs approval; requested as pgw-")
                    .contains("pgwarden approve pgw-")
                    .contains("run exactly the same statement again");
            String m = e.getMessage();
            int at = m.indexOf("requested as ") + "requested as ".length();
            name[0] = m.substring(at, m.indexOf(' ', at));
        });
        return name[0];
    }

    private static LocalApprovalGate.Entry awaitPending(LocalApprovalGate gate) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (LocalApprovalGate.Entry e : gate.list()) {
                if (e.phase().equals("Pending")) {
                    return e;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no approval request appeared within 10 s");
    }

    private static int countRows() throws SQLException {
        try (Connection c = waiting.postgres.direct();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select count(*) from held_items")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private interface SqlCall<T> {
        T call() throws SQLException;
    }

    private static <T> CompletableFuture<T> run(SqlCall<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.call();
            } catch (SQLException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }
}
