package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * limits.statementTimeout and limits.idleInTransactionTimeout through the proxy with pgjdbc: set on
 * the database session at connection, every way of raising or turning them off the guards can see
 * is refused (42501, naming the limit), lowering and resetting them is allowed, and what slips
 * past the guards (SQL built at run time) meets the proxy's own watch.
 */
class TimeoutLimitTest {
    private static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: timeouts}
      spec:
        access: {mode: ReadWrite}
        limits: {statementTimeout: 2s, idleInTransactionTimeout: 1500ms}
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

    private static Connection connect(boolean simple) throws SQLException {
        Properties p = new Properties();
        if (simple) {
            p.setProperty("preferQueryMode", "simple");
        }
        return proxy.connect(p);
    }

    private static String show(Statement s, String setting) throws SQLException {
        try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Every way to raise or turn off the timeouts that pgwarden can see in the statement's text. */
    private static final List<String> RAISING = List.of(
            "SET statement_timeout = 0",
            "SET statement_timeout TO 0",
            "SET statement_timeout = '1h'",
            "SET statement_timeout = 3600000",
            "SET statement_timeout = '3600s'",
            "SET statement_timeout = '2001'",
            "SET statement_timeout = '2.5s'",
            "SET statement_timeout = 0.2",
            "SET statement_timeout = -1",
            "SET statement_timeout = '0x7fffffff'",
            "SET SESSION statement_timeout = 0",
            "SET LOCAL statement_timeout = 0",
            "set Statement_Timeout = 0",
            "SET \"statement_timeout\" = 0",
            "SET U&\"statement\\005ftimeout\" = 0",
            "SET /* hidden */ statement_timeout -- here\n = 0",
            "SELECT set_config('statement_timeout', '0', false)",
            "SELECT pg_catalog.set_config('statement_timeout', '1h', true)",
            "SELECT set_config('STATEMENT_TIMEOUT', '0', false)",
            "SELECT set_config('statement_timeout', 0::text, false)",
            "SELECT set_config('statement_timeout', current_setting('lock_timeout'), false)",
            "ALTER ROLE CURRENT_USER SET statement_timeout = 0",
            "ALTER DATABASE app SET statement_timeout = '1d'",
            "ALTER SYSTEM SET statement_timeout = 0",
            "CREATE FUNCTION limits_evil() RETURNS int LANGUAGE sql SET statement_timeout = 0 AS 'SELECT 1'",
            "DO $$ BEGIN SET statement_timeout = 0; END $$",
            "DO $$ BEGIN PERFORM set_config('statement_timeout', '0', false); END $$",
            "DO 'BEGIN EXECUTE ''SET statement_timeout = 0''; END'",
            "PREPARE limits_p AS SELECT set_config('statement_timeout', $1, false)",
            "SET idle_in_transaction_session_timeout = 0",
            "SET idle_in_transaction_session_timeout = '1h'",
            "SELECT set_config('idle_in_transaction_session_timeout', '0', false)");

    @Test
    void theSessionStartsWithTheLimits() throws SQLException {
        for (boolean simple : new boolean[] {true, false}) {
            try (Connection c = connect(simple);
                    Statement s = c.createStatement()) {
                assertThat(show(s, "statement_timeout")).isEqualTo("2s");
                assertThat(show(s, "idle_in_transaction_session_timeout")).isEqualTo("1500ms");
            }
        }
    }

    @Test
    void raisingOrTurningOffATimeoutIsRefusedInBothProtocols() throws SQLException {
        for (boolean simple : new boolean[] {true, false}) {
            try (Connection c = connect(simple);
                    Statement s = c.createStatement()) {
                for (String sql : RAISING) {
                    assertThatThrownBy(() -> s.execute(sql))
                            .as("%s (%s)", sql, simple ? "simple" : "extended")
                            .isInstanceOfSatisfying(SQLException.class, e -> {
                                assertThat(e.getSQLState()).isEqualTo("42501");
                                assertThat(e.getMessage())
                                        .containsPattern("limits\\.(statement|idleInTransaction)Timeout");
                            });
                }
                assertThat(show(s, "statement_timeout")).isEqualTo("2s");
                assertThat(show(s, "idle_in_transaction_session_timeout")).isEqualTo("1500ms");
            }
        }
        JsonNode refused = proxy.statements("SET statement_timeout = '1h'").get(0);
        assertThat(refused.path("outcome").asText()).isEqualTo("refused");
        assertThat(refused.path("rule").asText()).isEqualTo("limits.statementTimeout");
    }

    @Test
    void aParameterRaisingItIsRefusedAtExecuteAndALowerOneRuns() throws SQLException {
        try (Connection c = connect(false);
                PreparedStatement p = c.prepareStatement("SELECT set_config('statement_timeout', ?, false)")) {
            p.setString(1, "0");
            assertThatThrownBy(p::executeQuery)
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"))
                    .hasMessageContaining("would turn off the policy's limits.statementTimeout (2000ms)");
            p.setString(1, "1500");
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("1500ms");
            }
        }
    }

    @Test
    void loweringAndResettingAreAllowedAndResetReturnsToTheLimit() throws SQLException {
        for (boolean simple : new boolean[] {true, false}) {
            try (Connection c = connect(simple);
                    Statement s = c.createStatement()) {
                s.execute("SET statement_timeout = 500");
                assertThat(show(s, "statement_timeout")).isEqualTo("500ms");
                s.execute("SET statement_timeout = '2s'");
                assertThat(show(s, "statement_timeout")).isEqualTo("2s");
                s.execute("SET statement_timeout TO '1s'");
                s.execute("RESET statement_timeout");
                assertThat(show(s, "statement_timeout")).isEqualTo("2s");
                s.execute("SET statement_timeout = 100");
                s.execute("SET statement_timeout TO DEFAULT");
                assertThat(show(s, "statement_timeout")).isEqualTo("2s");
                s.execute("SET statement_timeout = 100");
                s.execute("RESET ALL");
                assertThat(show(s, "statement_timeout")).isEqualTo("2s");
                s.execute("SET statement_timeout = 100");
                s.execute("SET idle_in_transaction_session_timeout = 100");
                s.execute("DISCARD ALL");
                assertThat(show(s, "statement_timeout")).isEqualTo("2s");
                assertThat(show(s, "idle_in_transaction_session_timeout")).isEqualTo("1500ms");
                try (ResultSet rs = s.executeQuery("SELECT set_config('statement_timeout', '1s', false)")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("1s");
                }
                // Reading them is no change.
                try (ResultSet rs = s.executeQuery("SELECT current_setting('statement_timeout')")) {
                    rs.next();
                }
            }
        }
    }

    @Test
    void theDatabaseEndsAStatementThatRunsTooLong() throws SQLException {
        try (Connection c = connect(false);
                Statement s = c.createStatement()) {
            long began = System.nanoTime();
            assertThatThrownBy(() -> s.execute("SELECT pg_sleep(30)"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"))
                    .hasMessageContaining("statement timeout");
            assertThat((System.nanoTime() - began) / 1_000_000).isLessThan(10_000);
            assertThat(show(s, "statement_timeout")).isEqualTo("2s");
        }
    }

    @Test
    void sqlBuiltAtRunTimeThatTurnsTheTimeoutOffMeetsTheProxysWatch() throws SQLException {
        for (boolean simple : new boolean[] {true, false}) {
            try (Connection c = connect(simple);
                    Statement s = c.createStatement()) {
                // Nothing in the text names the setting whole: the guards cannot see it.
                s.execute("DO $$ BEGIN EXECUTE 'SET statement' || '_timeout = 0'; END $$");
                assertThat(show(s, "statement_timeout")).isEqualTo("0");
                long began = System.nanoTime();
                assertThatThrownBy(() -> s.execute("SELECT pg_sleep(30)"))
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("57014"));
                long millis = (System.nanoTime() - began) / 1_000_000;
                assertThat(millis).isBetween(2_000L, 10_000L);
                java.sql.SQLWarning warning = s.getWarnings();
                assertThat((Object) warning)
                        .as("the proxy says why it cancelled")
                        .isNotNull();
                assertThat(warning.getMessage()).contains("longer than the policy's limits.statementTimeout (2000ms)");
                // The session goes on.
                try (ResultSet rs = s.executeQuery("SELECT 1")) {
                    assertThat(rs.next()).isTrue();
                }
            }
        }
    }

    @Test
    void aSessionIdleInATransactionTooLongIsEnded() throws Exception {
        try (Connection c = connect(true);
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SELECT 1");
            Thread.sleep(3_000);
            assertThatThrownBy(() -> s.execute("SELECT 2")).isInstanceOf(SQLException.class);
        }
        // The same past the database's own timeout, turned off by SQL built at run time: the watch ends it.
        try (Connection c = connect(true);
                Statement s = c.createStatement()) {
            s.execute("DO $$ BEGIN EXECUTE 'SET idle_in_transaction' || '_session_timeout = 0'; END $$");
            assertThat(show(s, "idle_in_transaction_session_timeout")).isEqualTo("0");
            c.setAutoCommit(false);
            s.execute("SELECT 1");
            Thread.sleep(3_500);
            assertThatThrownBy(() -> s.execute("SELECT 2"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(proxy.auditText()).contains("limits.idleInTransactionTimeout"));
        }
    }

    @Test
    void aTransactionThatKeepsWorkingIsNeverIdleTooLong() throws Exception {
        for (boolean simple : new boolean[] {true, false}) {
            try (Connection c = connect(simple);
                    Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                // Pauses of 600 ms, each shorter than the limit, adding up to far more than it.
                for (int i = 0; i < 8; i++) {
                    s.execute("SELECT " + i);
                    Thread.sleep(600);
                }
                c.commit();
            }
        }
    }

    @Test
    void aStartupParameterRaisingATimeoutIsRefused() throws Exception {
        for (Map.Entry<String, String> p : Map.of(
                        "statement_timeout", "0",
                        "Statement_Timeout", "1h",
                        "idle_in_transaction_session_timeout", "3600000")
                .entrySet()) {
            try (RawClient c = new RawClient(proxy.port())) {
                c.startup(p.getKey(), p.getValue());
                RawClient.Message auth = c.read();
                assertThat(auth.type()).isEqualTo('R');
                c.password(proxy.token());
                RawClient.Message m = c.read();
                assertThat(m.type()).as("%s", p).isEqualTo('E');
                assertThat(m.fields().get('C')).isEqualTo("42501");
                assertThat(m.fields().get('M'))
                        .contains("limits.")
                        .contains(p.getKey().toLowerCase(java.util.Locale.ROOT));
            }
        }
        try (RawClient c = new RawClient(proxy.port())) {
            c.startup("options", "-c statement_timeout=0");
            RawClient.Message m = c.read();
            assertThat(m.fields().get('C')).isEqualTo("42501");
        }
        // A lower one is the session's.
        try (RawClient c = new RawClient(proxy.port())) {
            c.startup("statement_timeout", "700");
            c.read();
            c.password(proxy.token());
            c.readUntil('Z');
            assertThat(c.queryValue("SHOW statement_timeout")).isEqualTo("700ms");
        }
    }
}
