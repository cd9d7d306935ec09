package dev.pgwarden.sidecar.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.api.v1alpha1.StatementKind;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fingerprint keys the classification cache (and approvals): statements that share one must
 * be the same statement up to literal values, and must be classified alike.
 */
class FingerprintTest {
    private static Arguments pair(String a, String b) {
        return Arguments.of(a, b);
    }

    private static String fingerprint(String sql) {
        try {
            return SqlLexer.fingerprint(SqlLexer.tokenize(sql));
        } catch (SqlLexer.LexException e) {
            throw new AssertionError("did not tokenize: " + sql, e);
        }
    }

    static Stream<Arguments> sameStatementUpToLiterals() {
        return Stream.of(
                pair("SELECT * FROM t WHERE id = 1", "select * FROM t WHERE id = 2"),
                pair("SELECT * FROM t WHERE id = 1", "SELECT  *\nFROM t -- note\nWHERE id = 1.5e3"),
                pair("SELECT 'a'", "SELECT E'it\\'s'"),
                pair("SELECT 'a'", "SELECT $$it's; DROP TABLE t$$"),
                pair("SELECT 'a'", "SELECT $q$ $$ $q$"),
                pair("SELECT 'a'", "SELECT U&'d!0061t' UESCAPE '!'"),
                pair("SELECT 'a'", "SELECT X'1F'"),
                pair("SELECT 'a'", "SELECT B'0101'"),
                pair("SELECT 'a'", "SELECT 'it''s'"),
                pair("DELETE FROM t WHERE id + 1 = id + 1", "DELETE FROM t WHERE id + 1 = id + 2"),
                pair("DELETE FROM t WHERE 'a' = 'a'", "DELETE FROM t WHERE 'a' = 'b'"),
                pair("EXPLAIN (ANALYZE 0) DELETE FROM t", "EXPLAIN (ANALYZE 1) DELETE FROM t"),
                pair("SET statement_timeout = '5s'", "SET statement_timeout = 10"),
                pair("COPY t TO '/tmp/a'", "COPY t TO '/tmp/b'"),
                pair("SELECT \"t\"", "SELECT U&\"\\0074\""));
    }

    @ParameterizedTest
    @MethodSource("sameStatementUpToLiterals")
    void statementsDifferingOnlyInLiteralsShareAFingerprintAndAClassification(String a, String b) {
        assertThat(fingerprint(a)).isEqualTo(fingerprint(b));
        assertThat(StatementClassifier.classify(a)).isEqualTo(StatementClassifier.classify(b));
    }

    static Stream<Arguments> differentStatements() {
        return Stream.of(
                // an identifier
                pair("SELECT * FROM t WHERE id = 1", "SELECT * FROM u WHERE id = 1"),
                pair("SELECT pg_sleep(1)", "SELECT pg_read_file(1)"),
                // an operator
                pair("SELECT * FROM t WHERE id = 1", "SELECT * FROM t WHERE id <> 1"),
                pair("SELECT 1 - 2", "SELECT 1 + 2"),
                // a keyword
                pair("SELECT * FROM t WHERE a = 1 AND b = 2", "SELECT * FROM t WHERE a = 1 OR b = 2"),
                pair("BEGIN READ ONLY", "BEGIN READ WRITE"),
                pair("COPY t TO STDOUT", "COPY t TO PROGRAM 'x'"),
                pair("COPY t TO STDOUT", "COPY t TO 'stdout'"),
                // quoted and unquoted identifiers
                pair("SELECT * FROM Users", "SELECT * FROM \"Users\""),
                pair("SELECT * FROM users", "SELECT * FROM \"users\""),
                // a keyword hidden in a comment and a real one
                pair("DELETE FROM t -- WHERE id = 1", "DELETE FROM t WHERE id = 1"),
                pair("SELECT * FROM t /* WHERE id = 1 */", "SELECT * FROM t WHERE id = 1"),
                pair("SELECT 1 /* FOR UPDATE */", "SELECT 1 FOR UPDATE"),
                // a keyword in a literal and a real one
                pair("SELECT 'DROP'", "SELECT DROP"),
                // code bodies are code, not literals
                pair("DO $$ BEGIN PERFORM 1; END $$", "DO $$ BEGIN PERFORM pg_read_file('x'); END $$"),
                pair(
                        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1'",
                        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 2'"),
                // U& identifiers decode with their own escape character
                pair("SELECT U&\"d!0061ta\" UESCAPE '!'", "SELECT U&\"d!0061ta\" UESCAPE '#'"));
    }

    @ParameterizedTest
    @MethodSource("differentStatements")
    void statementsDifferingInAnythingElseDoNot(String a, String b) {
        assertThat(fingerprint(a)).isNotEqualTo(fingerprint(b));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT 'abc",
                "SELECT E'abc\\'",
                "SELECT \"abc",
                "SELECT U&\"abc",
                "SELECT /* abc",
                "SELECT /* a /* b */ still open",
                "SELECT $$abc",
                "SELECT $t$abc$$",
                "SELECT U&\"\\00zz\"",
                "SELECT U&\"x\" UESCAPE 'ab'",
                "DELETE FROM t WHERE id = 'x",
            })
    void anUnterminatedOrInvalidLiteralOrCommentIsUnparseable(String sql) {
        assertThatThrownBy(() -> SqlLexer.tokenize(sql)).isInstanceOf(SqlLexer.LexException.class);
        Classification c = StatementClassifier.classify(sql);
        assertThat(c.kind()).isEqualTo(StatementKind.UNPARSEABLE);
        assertThat(c.problem()).isNotBlank();
        assertThat(TestPolicies.READ_WRITE.decide(c).action()).isEqualTo(Action.RequireApproval);
        assertThat(TestPolicies.READ_WRITE.decide(c).rule()).isEqualTo("onUnparseable");
    }
}
