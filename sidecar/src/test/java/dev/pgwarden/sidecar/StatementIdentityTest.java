package dev.pgwarden.sidecar;

import static dev.pgwarden.sidecar.protocol.Frames.bind;
import static dev.pgwarden.sidecar.protocol.Frames.execute;
import static dev.pgwarden.sidecar.protocol.Frames.parse;
import static dev.pgwarden.sidecar.protocol.Frames.query;
import static dev.pgwarden.sidecar.protocol.Frames.sync;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.sidecar.approval.LocalApprovalGate;
import dev.pgwarden.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An attacker who plays with the names of prepared statements and portals to run a statement
 * under another's verdict: names past 63 bytes, names freed by DEALLOCATE, DISCARD ALL, a
 * rolled-back savepoint or a failed PREPARE, SQL and protocol objects under one name. Through the
 * real proxy in front of PostgreSQL, under the sample policy (unbounded DELETE needs approval,
 * Retry mode, so a held statement fails at once with 42501). A name pgwarden does not know at all
 * is judged by onUnparseable; the attacks that matter make pgwarden believe a name stands for
 * something harmless while the server runs something else under it. A sentinel table of three
 * rows proves that nothing ran. Where an attack rests on how the server treats names, a test
 * first shows the server doing so, without the proxy.
 */
@Timeout(120)
class StatementIdentityTest {
    private static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: identity}
      spec:
        access: {mode: ReadWrite}
        rules:
          - name: destructive-ddl
            statements: [DROP, TRUNCATE, ALTER]
            action: RequireApproval
          - name: unbounded-writes
            statements: [UPDATE, DELETE]
            withoutWhere: true
            action: RequireApproval
          - name: privileges
            statements: [GRANT, REVOKE, CREATE_ROLE, ALTER_ROLE, DROP_ROLE]
            action: Deny
        defaultAction: Allow
        onUnparseable: RequireApproval
        approval: {mode: Retry, timeout: 10m}
      """;
    private static final String DELETE = "DELETE FROM identity_sentinel";
    /** 63 bytes: the longest name the server keeps. */
    private static final String N63 = "n".repeat(63);

    enum Client {
        SIMPLE(Map.of("preferQueryMode", "simple")),
        EXTENDED(Map.of());

        final Map<String, String> props;

        Client(Map<String, String> props) {
            this.props = props;
        }
    }

    static LocalApprovalGate gate;
    static ProxyFixture f;

    @BeforeAll
    static void start() throws SQLException {
        try (Connection c = TestPostgres.shared().direct();
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS identity_sentinel");
            s.execute("CREATE TABLE identity_sentinel (id int PRIMARY KEY, note text)");
        }
        gate = new LocalApprovalGate(Clock.systemUTC());
        f = new ProxyFixture(POLICY, gate);
    }

    @AfterAll
    static void stop() {
        if (f != null) {
            f.close();
        }
        gate.close();
    }

    @BeforeEach
    void sentinel() throws SQLException {
        try (Connection c = TestPostgres.shared().direct();
                Statement s = c.createStatement()) {
            s.execute("DELETE FROM identity_sentinel");
            s.execute("INSERT INTO identity_sentinel VALUES (1, 'one'), (2, 'two'), (3, 'three')");
        }
    }

    static int sentinelRows() throws SQLException {
        try (Connection c = TestPostgres.shared().direct();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM identity_sentinel")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static Connection connect(Client client) throws SQLException {
        Properties p = new Properties();
        p.putAll(client.props);
        p.setProperty("socketTimeout", "30");
        return f.connect(p);
    }

    /** Runs each statement on one connection, in order; then nothing may have been deleted. */
    static List<String> attack(Client client, String... statements) throws SQLException {
        List<String> seen = new ArrayList<>();
        try (Connection c = connect(client)) {
            for (String sql : statements) {
                seen.add(sql + " -> " + Attempts.run(c, sql));
            }
        }
        System.out.println("[identity] " + client + " " + String.join("\n    ", seen));
        assertThat(sentinelRows()).as("the sentinel after %s", seen).isEqualTo(3);
        return seen;
    }

    static RawClient raw() throws java.io.IOException {
        return new RawClient(f.port()).authenticate(f.token());
    }

    static String exchange(RawClient c, int readyForQueries, byte[]... frames) throws java.io.IOException {
        return Attempts.exchange(c, readyForQueries, frames);
    }

    // ---------------------------------------------------------------- names of 63 bytes and more

    @ParameterizedTest
    @EnumSource(Client.class)
    void prepareOfALongNameThenExecuteOfItsFirst63Bytes(Client client) throws SQLException {
        List<String> seen = attack(client, "PREPARE " + N63 + "z AS " + DELETE, "EXECUTE " + N63);
        assertThat(seen.get(1)).contains("error 42501");
        attack(client, "PREPARE " + N63 + "z AS " + DELETE + "; EXECUTE " + N63);
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void prepareOfA63ByteNameThenExecuteOfALongerOne(Client client) throws SQLException {
        List<String> seen = attack(client, "PREPARE " + N63 + " AS " + DELETE, "EXECUTE " + N63 + "_and_more");
        assertThat(seen.get(1)).contains("error 42501");
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void multibyteNamesCutWhereTheScannerCutsThem(Client client) throws SQLException {
        // 62 ASCII bytes and a 2-byte character: the scanner keeps the 62 bytes.
        String name = "m".repeat(62) + "é";
        List<String> seen = attack(client, "PREPARE " + name + " AS " + DELETE, "EXECUTE " + "m".repeat(62));
        assertThat(seen.get(1)).contains("error 42501");
        attack(client, "PREPARE " + "m".repeat(62) + "è AS " + DELETE, "EXECUTE " + name);
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void deallocateOfALongNameFreesTheCutNameForAnotherBody(Client client) throws SQLException {
        List<String> seen = attack(
                client,
                "PREPARE " + N63 + " AS SELECT 1",
                "DEALLOCATE " + N63 + "z",
                "PREPARE " + N63 + "z AS " + DELETE,
                "EXECUTE " + N63);
        assertThat(seen.get(3)).contains("error 42501");
        attack(
                client,
                "PREPARE " + N63 + " AS SELECT 1",
                "DEALLOCATE " + N63 + "z; PREPARE " + N63 + "z AS " + DELETE + "; EXECUTE " + N63);
    }

    // ---------------------------------------------------------------- names freed and taken again

    @Test
    void aProtocolParseOfANameFreedBySqlDeallocate() throws Exception {
        try (RawClient c = raw()) {
            String first = exchange(c, 1, parse("s1", "SELECT 1"), sync());
            String freed = exchange(c, 1, query("DEALLOCATE s1"));
            String run = exchange(c, 1, parse("s1", DELETE), bind("", "s1"), execute(""), sync());
            assertThat(run).as("%s | %s | %s", first, freed, run).contains("E[42501");
        }
        assertThat(sentinelRows()).isEqualTo(3);
    }

    @Test
    void aProtocolParseOfANameFreedBySqlDeallocateInOnePipeline() throws Exception {
        try (RawClient c = raw()) {
            String all = exchange(
                    c,
                    3,
                    parse("s1", "SELECT 1"),
                    sync(),
                    query("DEALLOCATE s1"),
                    parse("s1", DELETE),
                    bind("", "s1"),
                    execute(""),
                    sync());
            assertThat(all).contains("E[42501");
        }
        assertThat(sentinelRows()).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void aFailedPrepareLeavesTheOldBody(Client client) throws SQLException {
        List<String> seen = attack(client, "PREPARE fp AS " + DELETE, "PREPARE fp AS SELECT 1", "EXECUTE fp");
        assertThat(seen.get(1)).contains("error 42P05");
        assertThat(seen.get(2)).contains("error 42501");
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void aPrepareThatFailedThenExecute(Client client) throws SQLException {
        List<String> seen = attack(client, "PREPARE fq AS DELETE FROM no_such_table", "EXECUTE fq");
        assertThat(seen.get(0)).contains("error 42P01");
    }

    @Test
    void aSqlPrepareRunByAProtocolBindAndExecute() throws Exception {
        try (RawClient c = raw()) {
            exchange(c, 1, query("PREPARE x AS " + DELETE));
            String unnamed = exchange(c, 1, bind("", "x"), execute(""), sync());
            String named = exchange(c, 1, bind("px", "x"), execute("px"), sync());
            assertThat(unnamed).contains("E[42501");
            assertThat(named).contains("E[42501");
        }
        assertThat(sentinelRows()).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void discardAllThenTheNameTakenAgain(Client client) throws SQLException {
        List<String> seen =
                attack(client, "PREPARE d AS SELECT 1", "DISCARD ALL", "PREPARE d AS " + DELETE + "; EXECUTE d");
        assertThat(seen.get(2)).contains("error 42501");
        attack(client, "PREPARE d AS SELECT 1", "DISCARD ALL", "PREPARE d AS " + DELETE, "EXECUTE d");
    }

    @Test
    void discardAllThenAProtocolParseOfTheName() throws Exception {
        try (RawClient c = raw()) {
            exchange(c, 1, parse("d1", "SELECT 1"), sync());
            exchange(c, 1, query("DISCARD ALL"));
            String run = exchange(c, 1, parse("d1", DELETE), bind("", "d1"), execute(""), sync());
            assertThat(run).contains("E[42501");
        }
        assertThat(sentinelRows()).isEqualTo(3);
    }

    /**
     * Ways the server drops the portals of a transaction block while the session stays in one, so
     * that no ReadyForQuery ever says the session is idle: the rollback of a savepoint, COMMIT or
     * ROLLBACK AND CHAIN, a Query that ends one block and begins the next.
     */
    static Stream<Arguments> portalEnds() {
        return Stream.of(
                arguments("BEGIN; SAVEPOINT s", "ROLLBACK TO SAVEPOINT s"),
                arguments("BEGIN", "COMMIT AND CHAIN"),
                arguments("BEGIN", "ROLLBACK AND CHAIN"),
                arguments("BEGIN", "COMMIT; BEGIN"));
    }

    @ParameterizedTest
    @MethodSource("portalEnds")
    void theServerDropsThePortalsOfTheBlockThatEnded(String begin, String end) throws Exception {
        try (RawClient c = Attempts.direct()) {
            exchange(c, 1, query(begin));
            exchange(c, 1, parse("", "SELECT 1"), bind("p", ""), sync());
            assertThat(exchange(c, 1, query(end))).endsWith("Z[T] ");
            assertThat(exchange(c, 1, execute("p"), sync())).contains("E[34000 portal \"p\" does not exist]");
            exchange(c, 1, query("ROLLBACK"));
        }
    }

    @ParameterizedTest
    @MethodSource("portalEnds")
    void aPortalNameFreedWhileTheSessionStaysInATransaction(String begin, String end) throws Exception {
        // The harmless portal is gone on the server: the name is free, and the next Bind of it to a
        // DELETE succeeds there.
        try (RawClient c = raw()) {
            exchange(c, 1, query(begin));
            String bound = exchange(c, 1, parse("", "SELECT 1"), bind("p", ""), sync());
            exchange(c, 1, query(end));
            String run = exchange(c, 1, parse("d", DELETE), bind("p", "d"), execute("p"), sync());
            String commit = exchange(c, 1, query("COMMIT"));
            assertThat(sentinelRows()).as("%s | %s | %s", bound, run, commit).isEqualTo(3);
        }
    }

    @Test
    void theServerKeepsTheUnnamedPortalAcrossAnEmptyQuery() throws Exception {
        // A Query drops the unnamed statement before it parses; the unnamed portal is replaced only by
        // a statement that runs, so a Query of no statement leaves it.
        try (RawClient c = Attempts.direct()) {
            exchange(c, 1, query("BEGIN"));
            exchange(c, 1, parse("", "SELECT 42"), bind("", ""), sync());
            exchange(c, 1, query(""));
            assertThat(exchange(c, 1, execute(""), sync()))
                    .contains("D[")
                    .contains("42")
                    .doesNotContain("E[");
            exchange(c, 1, query("ROLLBACK"));
        }
    }

    @Test
    void theUnnamedPortalAfterAnEmptyQueryIsJudgedByWhatItRuns() throws Exception {
        try (RawClient c = raw()) {
            exchange(c, 1, query("BEGIN"));
            String bound = exchange(c, 1, parse("", DELETE), bind("", ""), sync());
            String empty = exchange(c, 1, query(""));
            String run = exchange(c, 1, execute(""), sync());
            String end = exchange(c, 1, query("COMMIT"));
            assertThat(run).contains("E[42501");
            assertThat(sentinelRows())
                    .as("%s | %s | %s | %s", bound, empty, run, end)
                    .isEqualTo(3);
        }
    }

    @Test
    void theUnnamedPortalStillRunsAfterAnEmptyQuery() throws Exception {
        try (RawClient c = raw()) {
            exchange(c, 1, query("BEGIN"));
            exchange(c, 1, parse("", "SELECT 42"), bind("", ""), sync());
            exchange(c, 1, query(""));
            String run = exchange(c, 1, execute(""), sync());
            exchange(c, 1, query("ROLLBACK"));
            assertThat(run)
                    .as("the server runs the portal; pgwarden must know what it is")
                    .contains("D[")
                    .contains("42")
                    .doesNotContain("E[");
        }
    }

    // ---------------------------------------------------------------- names as the server folds them

    @ParameterizedTest
    @EnumSource(Client.class)
    void anUpperCaseNonAsciiNameIsNotFolded(Client client) throws SQLException {
        // PostgreSQL folds only A-Z in a UTF8 database: É and "é" are two names.
        List<String> seen = attack(client, "PREPARE É AS " + DELETE, "PREPARE \"é\" AS SELECT 1", "EXECUTE É");
        assertThat(seen.get(2)).contains("error 42501");
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void aQuotedNameKeepsItsCase(Client client) throws SQLException {
        List<String> seen = attack(client, "PREPARE \"Q\" AS " + DELETE, "PREPARE Q AS SELECT 1", "EXECUTE \"Q\"");
        assertThat(seen.get(2)).contains("error 42501");
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void aUnicodeSpaceInsideANameIsPartOfIt(Client client) throws SQLException {
        // To the server's scanner every byte above 0x7F is an identifier byte: "a\u3000x" is one name.
        List<String> seen =
                attack(client, "PREPARE a\u3000x AS " + DELETE, "PREPARE a AS SELECT 1", "EXECUTE a\u3000x");
        assertThat(seen.get(2)).contains("error 42501");
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void aUnicodeSpaceStartingANameIsPartOfIt(Client client) throws SQLException {
        // Not whitespace to the server either where a name starts: "\u3000x" and "x" are two names.
        List<String> seen = attack(client, "PREPARE \u3000x AS " + DELETE, "PREPARE x AS SELECT 1", "EXECUTE \u3000x");
        assertThat(seen.get(2)).contains("error 42501");
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void aUnicodeEscapedNameIsTheNameItSpells(Client client) throws SQLException {
        List<String> seen = attack(
                client, "PREPARE u AS SELECT 1", "DEALLOCATE U&\"\\0075\"; PREPARE u AS " + DELETE + "; EXECUTE u");
        assertThat(seen.get(1)).contains("error 42501");
    }

    static Stream<Arguments> namedPrepare() {
        List<Arguments> out = new ArrayList<>();
        for (Client client : Client.values()) {
            out.add(arguments(client, "prepare"));
            out.add(arguments(client, "\"prepare\""));
        }
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("namedPrepare")
    void aStatementNamedPrepareDeallocated(Client client, String name) throws SQLException {
        // DEALLOCATE prepare frees the statement named "prepare" (DEALLOCATE PREPARE needs a name after it).
        List<String> seen = attack(
                client,
                "PREPARE " + name + " AS SELECT 1",
                "DEALLOCATE " + name + "; PREPARE " + name + " AS " + DELETE + "; EXECUTE " + name);
        assertThat(seen.get(1)).contains("error 42501");
    }

    @Test
    void aStatementNamedTransaction() throws Exception {
        // PREPARE "transaction" AS ... prepares a statement (PREPARE TRANSACTION takes a string).
        try (RawClient c = raw()) {
            String parsed = exchange(c, 1, parse("transaction", "SELECT 1"), sync());
            String run = exchange(
                    c,
                    1,
                    query("DEALLOCATE \"transaction\"; PREPARE \"transaction\" AS " + DELETE
                            + "; EXECUTE \"transaction\""));
            assertThat(sentinelRows()).as("%s | %s", parsed, run).isEqualTo(3);
            assertThat(run).contains("E[42501");
        }
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void aPreparedStatementRunByCreateTableAsExecute(Client client) throws SQLException {
        List<String> seen = attack(
                client,
                "PREPARE w AS WITH d AS (" + DELETE + " RETURNING *) SELECT * FROM d",
                "CREATE TEMP TABLE gone AS EXECUTE w",
                "EXPLAIN ANALYZE EXECUTE w");
        assertThat(seen.get(1)).contains("error 42501");
        assertThat(seen.get(2)).contains("error 42501");
    }

    // ---------------------------------------------------------------- what keeps working

    @ParameterizedTest
    @EnumSource(Client.class)
    void longNamesThatTheServerTakesForOneRun(Client client) throws SQLException {
        try (Connection c = connect(client)) {
            assertThat(Attempts.run(c, "PREPARE " + N63 + "z AS SELECT 42")).endsWith("ok");
            assertThat(Attempts.run(c, "EXECUTE " + N63)).isEqualTo("rows=[[42]] ok");
            assertThat(Attempts.run(c, "EXECUTE " + N63 + "_any_tail")).isEqualTo("rows=[[42]] ok");
        }
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void resetAllKeepsPreparedStatements(Client client) throws SQLException {
        try (Connection c = connect(client)) {
            assertThat(Attempts.run(c, "PREPARE r AS SELECT 7")).endsWith("ok");
            assertThat(Attempts.run(c, "RESET ALL")).endsWith("ok");
            assertThat(Attempts.run(c, "EXECUTE r")).isEqualTo("rows=[[7]] ok");
        }
    }

    static Stream<Arguments> drivers() {
        return Stream.of(arguments(1, false), arguments(1, true), arguments(5, false), arguments(5, true));
    }

    @ParameterizedTest
    @MethodSource("drivers")
    void ordinaryPreparedStatementsRunAndAreAuditedOncePerRun(int prepareThreshold, boolean binary) throws Exception {
        String mark = "/* t" + prepareThreshold + (binary ? "b" : "t") + " */";
        String select = "SELECT note FROM identity_sentinel WHERE id = ? " + mark;
        String update = "UPDATE identity_sentinel SET note = ? WHERE id = ? " + mark;
        Properties p = new Properties();
        p.setProperty("prepareThreshold", String.valueOf(prepareThreshold));
        p.setProperty("binaryTransfer", String.valueOf(binary));
        int runs = 7;
        try (Connection c = f.connect(p);
                PreparedStatement sel = c.prepareStatement(select);
                PreparedStatement upd = c.prepareStatement(update)) {
            for (int i = 0; i < runs; i++) {
                upd.setString(1, "run " + i);
                upd.setInt(2, 1 + i % 3);
                assertThat(upd.executeUpdate()).isEqualTo(1);
                sel.setInt(1, 1 + i % 3);
                try (ResultSet rs = sel.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("run " + i);
                }
            }
            // DISCARD ALL drops the server's prepared statements; the driver prepares them again.
            assertThat(Attempts.run(c, "DISCARD ALL")).endsWith("ok");
            sel.setInt(1, 1);
            try (ResultSet rs = sel.executeQuery()) {
                assertThat(rs.next()).isTrue();
            }
        }
        assertThat(sentinelRows()).isEqualTo(3);
        List<JsonNode> selects = f.statements("SELECT note FROM identity_sentinel WHERE id = $1 " + mark);
        List<JsonNode> updates = f.statements("UPDATE identity_sentinel SET note = $1 WHERE id = $2 " + mark);
        assertThat(updates).hasSize(runs).allSatisfy(e -> {
            assertThat(e.path("outcome").asText()).isEqualTo("ok");
            assertThat(e.path("protocol").asText()).isEqualTo("extended");
            assertThat(e.path("decision").asText()).isEqualTo("Allow");
        });
        assertThat(selects)
                .hasSize(runs + 1)
                .allSatisfy(e -> assertThat(e.path("outcome").asText()).isEqualTo("ok"));
    }
}
