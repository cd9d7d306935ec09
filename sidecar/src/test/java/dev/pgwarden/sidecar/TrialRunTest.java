package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rules with changesMoreThan: the statement runs first as a trial, its row count decides, and
 * within the limit the trial stands as the real run, answers and transaction status as
 * PostgreSQL gives them.
 */
class TrialRunTest {
    /** A changesMoreThan rule of 2 on writes and DO; other statements allowed. */
    static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: trial-policy}
      spec:
        access: {mode: ReadWrite}
        rules:
          - name: big-writes
            statements: [UPDATE, DELETE, INSERT, DO]
            changesMoreThan: 2
            action: Deny
        onUnparseable: Deny
      """;

    private static ProxyFixture proxy;

    @BeforeAll
    static void start() {
        proxy = new ProxyFixture(POLICY, null);
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @BeforeEach
    void table() throws SQLException {
        try (Connection c = direct();
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS trial_t; CREATE TABLE trial_t (id int PRIMARY KEY, v text);"
                    + " INSERT INTO trial_t SELECT g, 'v' || g FROM generate_series(1, 10) g");
        }
    }

    private static Connection direct() throws SQLException {
        TestPostgres pg = TestPostgres.shared();
        return DriverManager.getConnection(
                "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + TestPostgres.DATABASE,
                TestPostgres.SCRAM_USER,
                TestPostgres.PASSWORD);
    }

    private static Connection simple() throws SQLException {
        Properties p = new Properties();
        p.setProperty("preferQueryMode", "simple");
        return proxy.connect(p);
    }

    private static List<String> values() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = direct();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT v FROM trial_t ORDER BY id")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void aWriteWithinTheLimitRunsOnceAndReturnsItsRows() throws SQLException {
        try (Connection c = simple();
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("UPDATE trial_t SET v = 'x' WHERE id <= 2 RETURNING id")) {
                List<Integer> ids = new ArrayList<>();
                while (rs.next()) {
                    ids.add(rs.getInt(1));
                }
                assertThat(ids).containsExactlyInAnyOrder(1, 2);
            }
            assertThat(c.getAutoCommit()).isTrue();
            // Committed: another connection sees it, and the session is out of any transaction.
            assertThat(values().subList(0, 3)).containsExactly("x", "x", "v3");
            try (ResultSet rs = s.executeQuery("SELECT pg_catalog.txid_current_if_assigned() IS NULL")) {
                rs.next();
                assertThat(rs.getBoolean(1)).isTrue();
            }
        }
    }

    @Test
    void aWriteOverTheLimitIsRefusedAndNothingChanges() throws SQLException {
        try (Connection c = simple();
                Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeUpdate("UPDATE trial_t SET v = 'y' WHERE id > 0"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("big-writes")
                    .hasMessageContaining("10 rows")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
            assertThat(values()).noneMatch("y"::equals);
            // The session goes on.
            assertThat(s.executeUpdate("DELETE FROM trial_t WHERE id = 10")).isEqualTo(1);
        }
        assertThat(values()).hasSize(9);
    }

    @Test
    void codeIsCountedByWhatItChanged() throws SQLException {
        try (Connection c = simple();
                Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("DO $$ BEGIN DELETE FROM trial_t WHERE id > 5; END $$"))
                    .hasMessageContaining("big-writes");
            assertThat(values()).hasSize(10);
            s.execute("DO $$ BEGIN DELETE FROM trial_t WHERE id = 1; END $$");
        }
        assertThat(values()).hasSize(9);
    }

    @Test
    void insideTheClientsTransactionTheTrialIsASavepointAndTheClientStillDecides() throws SQLException {
        try (Connection c = simple();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            assertThat(s.executeUpdate("UPDATE trial_t SET v = 'z' WHERE id = 1"))
                    .isEqualTo(1);
            assertThatThrownBy(() -> s.executeUpdate("DELETE FROM trial_t")).hasMessageContaining("big-writes");
            c.rollback();
            assertThat(values()).hasSize(10).doesNotContain("z");
            assertThat(s.executeUpdate("UPDATE trial_t SET v = 'w' WHERE id = 1"))
                    .isEqualTo(1);
            c.commit();
        }
        assertThat(values().get(0)).isEqualTo("w");
    }

    // ---------------------------------------------------------------- extended protocol

    private static Connection extended(boolean binary) throws SQLException {
        Properties p = new Properties();
        p.setProperty("prepareThreshold", binary ? "-1" : "1");
        p.setProperty("binaryTransfer", String.valueOf(binary));
        p.setProperty("socketTimeout", "20");
        return proxy.connect(p);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aPreparedWriteWithinTheLimitRunsOnceWithItsRowsAndCommits(boolean binary) throws SQLException {
        try (Connection c = extended(binary)) {
            try (java.sql.PreparedStatement ps =
                    c.prepareStatement("UPDATE trial_t SET v = ? WHERE id <= ? RETURNING id")) {
                ps.setString(1, "p");
                ps.setInt(2, 2);
                List<Integer> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getInt(1));
                    }
                }
                assertThat(ids).containsExactlyInAnyOrder(1, 2);
            }
            assertThat(values().subList(0, 3)).containsExactly("p", "p", "v3");
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_catalog.txid_current_if_assigned() IS NULL")) {
                rs.next();
                assertThat(rs.getBoolean(1))
                        .as("the session is out of any transaction")
                        .isTrue();
            }
            for (int i = 0; i < 3; i++) {
                try (java.sql.PreparedStatement ps = c.prepareStatement("DELETE FROM trial_t WHERE id = ?")) {
                    ps.setInt(1, 10 - i);
                    assertThat(ps.executeUpdate()).isEqualTo(1);
                }
            }
        }
        assertThat(values()).hasSize(7);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aPreparedWriteOverTheLimitIsRefusedAndRolledBack(boolean binary) throws SQLException {
        try (Connection c = extended(binary)) {
            try (java.sql.PreparedStatement ps = c.prepareStatement("UPDATE trial_t SET v = ? WHERE id > ?")) {
                ps.setString(1, "q");
                ps.setInt(2, 0);
                assertThatThrownBy(ps::executeUpdate)
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("big-writes")
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
            }
            assertThat(values()).noneMatch("q"::equals);
            try (java.sql.PreparedStatement ps = c.prepareStatement("UPDATE trial_t SET v = ? WHERE id = ?")) {
                ps.setString(1, "r");
                ps.setInt(2, 4);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
        }
        assertThat(values().get(3)).isEqualTo("r");
    }

    @Test
    void aPreparedTrialInsideTheClientsTransactionLeavesTheClientInCharge() throws SQLException {
        try (Connection c = extended(false)) {
            c.setAutoCommit(false);
            try (java.sql.PreparedStatement ps = c.prepareStatement("UPDATE trial_t SET v = 'in-tx' WHERE id = ?")) {
                ps.setInt(1, 5);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            try (java.sql.PreparedStatement ps = c.prepareStatement("DELETE FROM trial_t WHERE id > ?")) {
                ps.setInt(1, 0);
                assertThatThrownBy(ps::executeUpdate).hasMessageContaining("big-writes");
            }
            // As after any error, the client's transaction is failed until it rolls back.
            assertThatThrownBy(() -> c.createStatement().execute("SELECT 1"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25P02"));
            c.rollback();
            assertThat(values()).hasSize(10).doesNotContain("in-tx");
            try (java.sql.PreparedStatement ps = c.prepareStatement("UPDATE trial_t SET v = 'kept' WHERE id = ?")) {
                ps.setInt(1, 6);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            c.commit();
        }
        assertThat(values().get(5)).isEqualTo("kept");
    }

    @Test
    void aPreparedTrialThatFailsGivesTheServersError() throws SQLException {
        try (Connection c = extended(false)) {
            try (java.sql.PreparedStatement ps =
                    c.prepareStatement("UPDATE trial_t SET v = (1 / (id - ?))::text WHERE id <= 2")) {
                ps.setInt(1, 1);
                assertThatThrownBy(ps::executeUpdate)
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("22012"));
            }
            try (java.sql.PreparedStatement ps = c.prepareStatement("UPDATE trial_t SET v = 'after' WHERE id = ?")) {
                ps.setInt(1, 7);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
        }
        assertThat(values().get(6)).isEqualTo("after");
    }

    @Test
    void aTrialThatFailsGivesTheClientPostgreSqlsOwnError() throws SQLException {
        try (Connection c = simple();
                Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeUpdate("UPDATE trial_t SET v = (1 / (id - 1))::text WHERE id <= 2"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22012"));
            assertThat(s.executeUpdate("UPDATE trial_t SET v = 'ok' WHERE id = 3"))
                    .isEqualTo(1);
        }
        assertThat(values().get(2)).isEqualTo("ok");
    }

    /**
     * An Execute judged for a trial whose batch fails before it (here at its Bind) is skipped by the
     * server, and pgwarden's counts around it too: the client gets the batch's error and the session
     * goes on (the gate once waited for the skipped trial's answer forever).
     */
    @Test
    void aTrialSkippedAfterItsBatchFailedAnswersTheErrorAndTheSessionGoesOn() throws Exception {
        try (RawClient c = new RawClient(proxy.port()).authenticate(proxy.token())) {
            String failed = Attempts.exchange(
                    c,
                    1,
                    dev.pgwarden.sidecar.protocol.Frames.parse("d", "UPDATE trial_t SET v = 'x' WHERE id <= $1", 23),
                    dev.pgwarden.sidecar.protocol.Frames.bind("", "d", "not a number"),
                    dev.pgwarden.sidecar.protocol.Frames.execute(""),
                    dev.pgwarden.sidecar.protocol.Frames.sync());
            assertThat(failed).contains("E[22P02").endsWith("Z[I] ");
            String within = Attempts.exchange(
                    c,
                    1,
                    dev.pgwarden.sidecar.protocol.Frames.bind("", "d", "2"),
                    dev.pgwarden.sidecar.protocol.Frames.execute(""),
                    dev.pgwarden.sidecar.protocol.Frames.sync());
            assertThat(within).contains("C[UPDATE 2|]").doesNotContain("E[");
            String over = Attempts.exchange(
                    c,
                    1,
                    dev.pgwarden.sidecar.protocol.Frames.bind("", "d", "5"),
                    dev.pgwarden.sidecar.protocol.Frames.execute(""),
                    dev.pgwarden.sidecar.protocol.Frames.sync());
            assertThat(over).contains("E[42501").doesNotContain("C[UPDATE");
        }
        assertThat(values()).containsExactly("x", "x", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10");
    }

    /** Rows a trigger changes count in the extended protocol as in the simple one: the tag counts one. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aPreparedWriteWhoseTriggerChangesMoreThanTheLimitIsRefused(boolean binary) throws SQLException {
        try (Connection d = direct();
                Statement s = d.createStatement()) {
            s.execute(
                    "DROP TABLE IF EXISTS trial_side; CREATE TABLE trial_side (id int);"
                            + " CREATE OR REPLACE FUNCTION trial_side_del() RETURNS trigger LANGUAGE plpgsql AS"
                            + " $$ BEGIN DELETE FROM trial_t WHERE id > 5; RETURN NULL; END $$;"
                            + " CREATE TRIGGER trial_side_del AFTER INSERT ON trial_side FOR EACH ROW EXECUTE FUNCTION trial_side_del()");
        }
        try (Connection c = extended(binary);
                java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO trial_side VALUES (?)")) {
            ps.setInt(1, 1);
            assertThatThrownBy(ps::executeUpdate)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
        }
        assertThat(values()).hasSize(10);
    }

    /**
     * A trigger that empties, drops or rewrites a table changes no row a count sees: each counts as
     * over the limit, in the simple protocol and in the extended one, inside the client's
     * transaction too, and nothing of it stands.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "TRUNCATE trial_t, simple",
        "TRUNCATE trial_t, text",
        "TRUNCATE trial_t, binary",
        "TRUNCATE trial_t, transaction",
        "DROP TABLE trial_t, simple",
        "DROP TABLE trial_t, binary",
        "DROP TABLE trial_t, transaction",
        "ALTER TABLE trial_t ALTER COLUMN v TYPE varchar(40), text",
        "ALTER TABLE trial_t RENAME TO trial_renamed, simple"
    })
    void aWriteWhoseTriggerEmptiesDropsOrRewritesATableIsRefused(String body, String how) throws SQLException {
        try (Connection d = direct();
                Statement s = d.createStatement()) {
            s.execute("DROP TABLE IF EXISTS trial_side; CREATE TABLE trial_side (id int);"
                    + " CREATE OR REPLACE FUNCTION trial_side_wipe() RETURNS trigger LANGUAGE plpgsql AS"
                    + " $$ BEGIN " + body + "; RETURN NULL; END $$;"
                    + " CREATE TRIGGER trial_side_wipe AFTER INSERT ON trial_side"
                    + " FOR EACH ROW EXECUTE FUNCTION trial_side_wipe()");
        }
        try (Connection c = how.equals("simple") ? simple() : extended(how.equals("binary"))) {
            if (how.equals("transaction")) {
                c.setAutoCommit(false);
            }
            try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO trial_side VALUES (?)")) {
                ps.setInt(1, 1);
                assertThatThrownBy(ps::executeUpdate)
                        .as(body + " (" + how + ")")
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
            }
            if (how.equals("transaction")) {
                c.rollback();
            }
        } finally {
            try (Connection d = direct();
                    Statement s = d.createStatement()) {
                s.execute("DROP TABLE trial_side");
            }
        }
        assertThat(values()).hasSize(10);
    }

    /**
     * The count is a statement pgwarden prepares once per session: a client that frees every
     * prepared statement between trials (DEALLOCATE ALL, DISCARD ALL, as poolers do) gets its next
     * trialled write run and counted as before, not refused for a count that could not run. In the
     * simple protocol through pgjdbc, in the extended one with raw frames (pgjdbc's batches after a
     * DEALLOCATE ALL start with Close messages: {@link #aBatchThatStartsWithCloseMessagesRunsItsWriteAsATrial}).
     */
    @Test
    void trialsGoOnAfterTheClientFreesEveryPreparedStatement() throws Exception {
        String[] frees = {"SELECT 1", "DEALLOCATE ALL", "DISCARD ALL", "DEALLOCATE ALL"};
        try (Connection c = simple();
                Statement s = c.createStatement()) {
            for (String free : frees) {
                s.execute(free);
                assertThat(s.executeUpdate("UPDATE trial_t SET v = 'x' WHERE id = 1"))
                        .as("after " + free)
                        .isEqualTo(1);
            }
            assertThatThrownBy(() -> s.executeUpdate("DELETE FROM trial_t WHERE id > 5"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
        }
        try (RawClient c = new RawClient(proxy.port()).authenticate(proxy.token())) {
            for (String free : frees) {
                assertThat(Attempts.exchange(c, 1, dev.pgwarden.sidecar.protocol.Frames.query(free)))
                        .doesNotContain("E[");
                String written = Attempts.exchange(
                        c,
                        1,
                        dev.pgwarden.sidecar.protocol.Frames.parse("", "UPDATE trial_t SET v = 'y' WHERE id = $1", 23),
                        dev.pgwarden.sidecar.protocol.Frames.bind("", "", "2"),
                        dev.pgwarden.sidecar.protocol.Frames.execute(""),
                        dev.pgwarden.sidecar.protocol.Frames.sync());
                assertThat(written).as("after " + free).contains("C[UPDATE 1").doesNotContain("E[");
            }
            String over = Attempts.exchange(
                    c,
                    1,
                    dev.pgwarden.sidecar.protocol.Frames.parse("", "DELETE FROM trial_t WHERE id > $1", 23),
                    dev.pgwarden.sidecar.protocol.Frames.bind("", "", "5"),
                    dev.pgwarden.sidecar.protocol.Frames.execute(""),
                    dev.pgwarden.sidecar.protocol.Frames.sync());
            assertThat(over).contains("E[42501").doesNotContain("C[DELETE");
        }
        assertThat(values()).hasSize(10).startsWith("x", "y", "v3");
    }

    /**
     * A client that parses the unnamed statement in one batch (with a Describe, to learn its
     * parameter types, as pgjdbc does) and binds it in the next: the trial's savepoint is opened by
     * a Query, which drops the unnamed statement, so pgwarden makes it again; the write runs as a
     * trial within the limit, and over it is refused.
     */
    @Test
    void anUnnamedStatementParsedInAnEarlierBatchRunsAsATrial() throws Exception {
        try (RawClient c = new RawClient(proxy.port()).authenticate(proxy.token())) {
            String parsed = Attempts.exchange(
                    c,
                    1,
                    dev.pgwarden.sidecar.protocol.Frames.parse("", "UPDATE trial_t SET v = 'u' WHERE id <= $1", 23),
                    dev.pgwarden.sidecar.protocol.Frames.sync());
            assertThat(parsed).doesNotContain("E[");
            String within = Attempts.exchange(
                    c,
                    1,
                    dev.pgwarden.sidecar.protocol.Frames.bind("", "", "2"),
                    dev.pgwarden.sidecar.protocol.Frames.execute(""),
                    dev.pgwarden.sidecar.protocol.Frames.sync());
            assertThat(within).contains("C[UPDATE 2").doesNotContain("E[");
            String over = Attempts.exchange(
                    c,
                    1,
                    dev.pgwarden.sidecar.protocol.Frames.bind("", "", "6"),
                    dev.pgwarden.sidecar.protocol.Frames.execute(""),
                    dev.pgwarden.sidecar.protocol.Frames.sync());
            assertThat(over).contains("E[42501").doesNotContain("C[UPDATE");
        }
        assertThat(values()).startsWith("u", "u", "v3", "v4", "v5", "v6");
    }

    /**
     * A batch that starts with Close messages (pgjdbc frees statements it dropped from its cache at
     * the start of its next batch, when the garbage collector reports them) still opens a trial's
     * savepoint at its first Bind: the write within the limit runs, the one over it is refused.
     */
    @Test
    void aBatchThatStartsWithCloseMessagesRunsItsWriteAsATrial() throws Exception {
        try (RawClient c = new RawClient(proxy.port()).authenticate(proxy.token())) {
            assertThat(Attempts.exchange(
                            c,
                            1,
                            dev.pgwarden.sidecar.protocol.Frames.parse(
                                    "w", "UPDATE trial_t SET v = 'c' WHERE id <= $1", 23),
                            dev.pgwarden.sidecar.protocol.Frames.parse("gone", "SELECT 1"),
                            dev.pgwarden.sidecar.protocol.Frames.sync()))
                    .doesNotContain("E[");
            String within = Attempts.exchange(
                    c,
                    1,
                    dev.pgwarden.sidecar.protocol.Frames.closeStatement("gone"),
                    dev.pgwarden.sidecar.protocol.Frames.closeStatement("never_made"),
                    dev.pgwarden.sidecar.protocol.Frames.bind("", "w", "2"),
                    dev.pgwarden.sidecar.protocol.Frames.execute(""),
                    dev.pgwarden.sidecar.protocol.Frames.sync());
            assertThat(within).contains("C[UPDATE 2").doesNotContain("E[");
            String over = Attempts.exchange(
                    c,
                    1,
                    dev.pgwarden.sidecar.protocol.Frames.closeStatement("never_made"),
                    dev.pgwarden.sidecar.protocol.Frames.bind("", "w", "6"),
                    dev.pgwarden.sidecar.protocol.Frames.execute(""),
                    dev.pgwarden.sidecar.protocol.Frames.sync());
            assertThat(over).contains("E[42501").doesNotContain("C[UPDATE");
        }
        assertThat(values()).startsWith("c", "c", "v3", "v4", "v5", "v6");
    }
}
