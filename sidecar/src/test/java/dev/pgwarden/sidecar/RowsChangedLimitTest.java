package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.sidecar.approval.LocalApprovalGate;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * limits.maxRowsChangedPerSession through the proxy with pgjdbc and the local approval gate: a
 * session's writes run freely until their command tags add up to the limit; from then on every
 * statement that may change rows waits for a reviewer (rule limits.maxRowsChangedPerSession),
 * reads do not, and a new session starts from zero.
 */
class RowsChangedLimitTest {
    private static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: rows-changed}
      spec:
        access: {mode: ReadWrite}
        limits: {maxRowsChangedPerSession: 5}
        approval: {mode: Wait, timeout: 30s}
        onUnparseable: Deny
      """;
    private static LocalApprovalGate gate;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() {
        gate = new LocalApprovalGate(Clock.systemUTC());
        proxy = new ProxyFixture(POLICY, gate);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        gate.close();
    }

    @BeforeEach
    void table() throws SQLException {
        try (Connection c = proxy.postgres.direct();
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS changed_items; CREATE TABLE changed_items (id int PRIMARY KEY, v text)");
        }
    }

    private static Connection connect(boolean simple) throws SQLException {
        Properties p = new Properties();
        if (simple) {
            p.setProperty("preferQueryMode", "simple");
        }
        return proxy.connect(p);
    }

    private static LocalApprovalGate.Entry awaitPending() throws InterruptedException {
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

    private interface SqlCall<T> {
        T call() throws SQLException;
    }

    private static <T> CompletableFuture<T> run(SqlCall<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.call();
            } catch (SQLException e) {
                throw new CompletionException(e);
            }
        });
    }

    @Test
    void writesPastTheLimitWaitForAReviewerInBothProtocols() throws Exception {
        for (boolean simple : new boolean[] {true, false}) {
            table();
            try (Connection c = connect(simple);
                    Statement s = c.createStatement()) {
                assertThat(s.executeUpdate("INSERT INTO changed_items SELECT g, 'v' FROM generate_series(1, 3) g"))
                        .isEqualTo(3);
                try (PreparedStatement p = c.prepareStatement("UPDATE changed_items SET v = ? WHERE id <= 2")) {
                    p.setString(1, "w");
                    assertThat(p.executeUpdate()).isEqualTo(2);
                }
                // Five rows changed: reads still run freely.
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM changed_items")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(3);
                }
                CompletableFuture<Integer> held = run(() -> s.executeUpdate("DELETE FROM changed_items WHERE id = 3"));
                LocalApprovalGate.Entry entry = awaitPending();
                assertThat(entry.request().rule()).isEqualTo("limits.maxRowsChangedPerSession");
                assertThat(entry.request().reason())
                        .contains("this session has changed 5 rows")
                        .contains("limits.maxRowsChangedPerSession is 5");
                assertThat(held).isNotDone();
                gate.decide(entry.name(), true, "alice", "fine");
                assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo(1);
                // Denied: refused with the reviewer's word, and nothing changes.
                CompletableFuture<Integer> denied =
                        run(() -> s.executeUpdate("INSERT INTO changed_items VALUES (9, 'nine')"));
                LocalApprovalGate.Entry second = awaitPending();
                gate.decide(second.name(), false, "bob", "enough for today");
                assertThatThrownBy(() -> denied.get(10, TimeUnit.SECONDS))
                        .cause()
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("42501"))
                        .hasMessageContaining("enough for today");
            }
            // A new session starts from zero.
            try (Connection c = connect(simple);
                    Statement s = c.createStatement()) {
                assertThat(s.executeUpdate("INSERT INTO changed_items VALUES (10, 'ten')"))
                        .isEqualTo(1);
            }
        }
        JsonNode event =
                proxy.awaitEvent(e -> e.path("statement").asText().equals("DELETE FROM changed_items WHERE id = 3"));
        assertThat(event.path("decision").asText()).isEqualTo("RequireApproval");
        assertThat(event.path("rule").asText()).isEqualTo("limits.maxRowsChangedPerSession");
        assertThat(event.path("outcome").asText()).isEqualTo("ok");
    }

    @Test
    void copyFromAndCodeCountToo() throws Exception {
        try (Connection c = connect(false);
                Statement s = c.createStatement()) {
            long copied = c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn("COPY changed_items FROM STDIN", new StringReader("1\ta\n2\tb\n3\tc\n4\td\n5\te\n6\tf\n"));
            assertThat(copied).isEqualTo(6);
            // A DO block may write: held too.
            CompletableFuture<Boolean> code =
                    run(() -> s.execute("DO $$ BEGIN DELETE FROM changed_items WHERE id = 1; END $$"));
            LocalApprovalGate.Entry entry = awaitPending();
            assertThat(entry.request().rule()).isEqualTo("limits.maxRowsChangedPerSession");
            gate.decide(entry.name(), false, "bob", "no");
            assertThatThrownBy(() -> code.get(10, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("42501");
                        assertThat(e.getMessage()).contains("bob denied approval " + entry.name());
                    });
            // COPY TO reads: it counts for nothing and runs.
            assertThat(c.unwrap(PGConnection.class)
                            .getCopyAPI()
                            .copyOut("COPY changed_items TO STDOUT", new java.io.ByteArrayOutputStream()))
                    .isEqualTo(6);
        }
    }
}
