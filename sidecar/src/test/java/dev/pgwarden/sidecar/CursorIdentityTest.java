package dev.pgwarden.sidecar;

import static dev.pgwarden.sidecar.protocol.Frames.bind;
import static dev.pgwarden.sidecar.protocol.Frames.execute;
import static dev.pgwarden.sidecar.protocol.Frames.parse;
import static dev.pgwarden.sidecar.protocol.Frames.query;
import static dev.pgwarden.sidecar.protocol.Frames.sync;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.pgwarden.testkit.TestPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cursors whose names an attacker plays with so that rows of a query over a masked column are
 * masked as another cursor's: names past 63 bytes, a portal closed in SQL and declared again under
 * its name, names freed by a rollback that pgwarden may not see. Every FETCH or Execute must return
 * rows with the masked column masked. Through the real proxy in front of PostgreSQL.
 */
@Timeout(120)
class CursorIdentityTest {
    private static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: cursor-identity}
      spec:
        access: {mode: ReadWrite}
        masking:
          - columns: [ident_m.people.email]
            strategy: redact
        onUnparseable: Deny
      """;
    private static final List<String> SECRETS = List.of("carol.private", "dave.hidden");
    /** A query whose only column is computed from the masked one: its masking comes from the cursor's plan. */
    private static final String SECRET_QUERY = "SELECT upper(email) AS e FROM ident_m.people";

    private static final String HARMLESS_QUERY = "SELECT 'x'::text AS e";
    private static final String C63 = "c".repeat(63);

    static ProxyFixture f;

    @BeforeAll
    static void start() throws SQLException {
        try (Connection c = TestPostgres.shared().superuser(TestPostgres.DATABASE);
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS ident_m CASCADE");
            s.execute("CREATE SCHEMA ident_m AUTHORIZATION " + TestPostgres.SCRAM_USER);
            s.execute("CREATE TABLE ident_m.people (id int PRIMARY KEY, email text)");
            s.execute(
                    "INSERT INTO ident_m.people VALUES (1, 'carol.private@example.com'), (2, 'dave.hidden@example.org')");
            s.execute("GRANT ALL ON ident_m.people TO " + TestPostgres.SCRAM_USER);
        }
        f = new ProxyFixture(POLICY, null);
    }

    @AfterAll
    static void stop() {
        if (f != null) {
            f.close();
        }
    }

    static void assertMasked(String where, String seen) {
        String lower = seen.toLowerCase(Locale.ROOT);
        for (String secret : SECRETS) {
            assertThat(lower).as("%s leaked %s: %s", where, secret, seen).doesNotContain(secret);
        }
    }

    static Connection connect(ClientMode mode) throws SQLException {
        return mode.connect(f);
    }

    /** Each statement in turn on one connection; the rows of all of them, none in clear. */
    static String attempt(ClientMode mode, String... statements) throws SQLException {
        List<String> seen = new ArrayList<>();
        try (Connection c = connect(mode)) {
            for (String sql : statements) {
                seen.add(sql + " -> " + Attempts.run(c, sql));
            }
        }
        String all = String.join("\n", seen);
        assertMasked(mode.name(), all);
        return all;
    }

    static RawClient raw() throws IOException {
        return new RawClient(f.port()).authenticate(f.token());
    }

    static String exchange(RawClient c, byte[]... frames) throws IOException {
        return Attempts.exchange(c, 1, frames);
    }

    // ---------------------------------------------------------------- names of 63 bytes and more

    @ParameterizedTest
    @EnumSource(ClientMode.class)
    void aLongCursorNameFetchedByItsFirst63Bytes(ClientMode mode) throws SQLException {
        String seen = attempt(
                mode, "BEGIN", "DECLARE " + C63 + "z CURSOR FOR " + SECRET_QUERY, "FETCH ALL FROM " + C63, "COMMIT");
        assertThat(seen).contains("[redacted]");
    }

    /*
     * Several statements in one string: pgjdbc with prepareThreshold -1 describes each of them before
     * it runs the first, so the FETCH of a cursor declared in the same string has no columns and the
     * driver rejects its rows, with or without pgwarden. Those run in the other two modes.
     */

    @ParameterizedTest
    @EnumSource(
            value = ClientMode.class,
            names = {"SIMPLE", "EXTENDED_TEXT"})
    void aLongCursorNameDeclaredAndFetchedInOneQuery(ClientMode mode) throws SQLException {
        String seen = attempt(
                mode,
                "BEGIN; DECLARE " + C63 + "z CURSOR FOR " + SECRET_QUERY + "; FETCH ALL FROM " + C63 + "_tail; COMMIT");
        assertThat(seen).contains("[redacted]");
    }

    @ParameterizedTest
    @EnumSource(
            value = ClientMode.class,
            names = {"SIMPLE", "EXTENDED_TEXT"})
    void closeOfALongNameThenTheCutNameDeclaredAgain(ClientMode mode) throws SQLException {
        String seen = attempt(
                mode,
                "BEGIN",
                "DECLARE " + C63 + " CURSOR FOR " + HARMLESS_QUERY,
                "CLOSE " + C63 + "z",
                "DECLARE " + C63 + "z CURSOR FOR " + SECRET_QUERY + "; FETCH ALL FROM " + C63,
                "COMMIT");
        assertThat(seen).contains("[redacted]");
    }

    @Test
    void aProtocolPortalClosedInSqlThenDeclaredAgainAndExecuted() throws Exception {
        try (RawClient c = raw()) {
            exchange(c, query("BEGIN"));
            exchange(c, parse("", HARMLESS_QUERY), bind("p1", ""), sync());
            exchange(c, query("CLOSE p1"));
            exchange(c, query("DECLARE p1 CURSOR FOR " + SECRET_QUERY));
            String rows = exchange(c, execute("p1"), sync());
            exchange(c, query("COMMIT"));
            assertMasked("Execute of the cursor", rows);
            assertThat(rows).contains("[redacted]");
        }
    }

    @Test
    void aCursorExecutedThroughTheProtocolUnderALongName() throws Exception {
        try (RawClient c = raw()) {
            exchange(c, query("BEGIN"));
            exchange(c, query("DECLARE " + C63 + "z CURSOR FOR " + SECRET_QUERY));
            String rows = exchange(c, execute(C63 + "_other_tail"), sync());
            exchange(c, query("COMMIT"));
            assertMasked("Execute of the cursor", rows);
            assertThat(rows).contains("[redacted]");
        }
    }

    // ---------------------------------------------------------------- names freed by the end of a transaction

    @Test
    void theServerDropsACursorWithHoldWhoseTransactionRolledBack() throws Exception {
        try (RawClient c = Attempts.direct()) {
            exchange(c, query("BEGIN; DECLARE h CURSOR WITH HOLD FOR SELECT 1"));
            exchange(c, query("ROLLBACK"));
            assertThat(exchange(c, query("FETCH ALL FROM h"))).contains("E[34000 cursor \"h\" does not exist]");
        }
    }

    /**
     * Ways the server drops the cursors of a transaction block while the session stays in one, so
     * that no ReadyForQuery ever says the session is idle.
     */
    static Stream<Arguments> cursorEnds() {
        return Stream.of(
                arguments("BEGIN; SAVEPOINT s", "ROLLBACK TO SAVEPOINT s"),
                arguments("BEGIN", "COMMIT AND CHAIN"),
                arguments("BEGIN", "ROLLBACK AND CHAIN"),
                arguments("BEGIN", "COMMIT; BEGIN"));
    }

    @ParameterizedTest
    @MethodSource("cursorEnds")
    void theServerDropsTheCursorsOfTheBlockThatEnded(String begin, String end) throws Exception {
        try (RawClient c = Attempts.direct()) {
            exchange(c, query(begin));
            exchange(c, query("DECLARE c CURSOR FOR SELECT 1"));
            assertThat(exchange(c, query(end))).endsWith("Z[T] ");
            assertThat(exchange(c, query("FETCH ALL FROM c"))).contains("E[34000 cursor \"c\" does not exist]");
            exchange(c, query("ROLLBACK"));
        }
    }

    @ParameterizedTest
    @MethodSource("cursorEnds")
    void aCursorNameFreedWhileTheSessionStaysInATransaction(String begin, String end) throws Exception {
        try (RawClient c = raw()) {
            exchange(c, query(begin));
            exchange(c, query("DECLARE c CURSOR FOR " + HARMLESS_QUERY));
            exchange(c, query(end));
            String rows = exchange(c, query("DECLARE c CURSOR FOR " + SECRET_QUERY + "; FETCH ALL FROM c"));
            exchange(c, query("COMMIT"));
            assertMasked("FETCH", rows);
            assertThat(rows).contains("[redacted]");
        }
    }

    @Test
    void aCursorWithHoldWhoseTransactionRolledBackIsGone() throws Exception {
        try (RawClient c = raw()) {
            exchange(c, query("BEGIN; DECLARE h CURSOR WITH HOLD FOR " + HARMLESS_QUERY));
            exchange(c, query("ROLLBACK"));
            String rows =
                    exchange(c, query("BEGIN; DECLARE h CURSOR FOR " + SECRET_QUERY + "; FETCH ALL FROM h; COMMIT"));
            assertMasked("FETCH", rows);
            assertThat(rows).contains("[redacted]");
        }
    }

    @Test
    void aCursorWhoseQueryMentionsHoldEndsWithItsTransaction() throws Exception {
        try (RawClient c = raw()) {
            exchange(c, query("BEGIN; DECLARE h CURSOR FOR SELECT 'on hold '::text AS e; COMMIT"));
            String rows =
                    exchange(c, query("BEGIN; DECLARE h CURSOR FOR " + SECRET_QUERY + "; FETCH ALL FROM h; COMMIT"));
            assertMasked("FETCH", rows);
            assertThat(rows).contains("[redacted]");
        }
    }

    @Test
    void aCursorWithHoldOnTwoLinesOutlivesItsTransactionAndStaysMasked() throws Exception {
        try (RawClient c = raw()) {
            exchange(c, query("BEGIN; DECLARE h CURSOR WITH\nHOLD FOR " + SECRET_QUERY + "; COMMIT"));
            String rows = exchange(c, query("FETCH ALL FROM h"));
            exchange(c, query("CLOSE h"));
            assertMasked("FETCH", rows);
            assertThat(rows).contains("[redacted]");
        }
    }
}
