package dev.pgwarden.sidecar.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatementSplitterTest {
    @Test
    void splitsOnSemicolons() {
        assertThat(StatementSplitter.split("select 1; select 2;select 3"))
                .containsExactly("select 1", "select 2", "select 3");
    }

    @Test
    void anEscapeStringContinuedOnALaterLineKeepsItsEscapesAsPostgresqlReadsIt() {
        // E'a' newline '\' , ' is one string (a, a quote, " , "): the TRUNCATE after it is a statement.
        for (String gap : new String[] {"\n", "\r", "\r\n", " -- c\n", "\n -- c\n  \t"}) {
            assertThat(StatementSplitter.split("SELECT E'a'" + gap + "'\\' , ' ; TRUNCATE t; --'"))
                    .as(gap)
                    .hasSize(2)
                    .last()
                    .isEqualTo("TRUNCATE t");
        }
        // Not a continuation: no newline, or a block comment between them (PostgreSQL then rejects the text).
        assertThat(StatementSplitter.split("SELECT E'a' '\\' ; TRUNCATE t; --'"))
                .hasSize(2);
        // A standard string's continuation stays standard: its backslash is a character.
        assertThat(StatementSplitter.split("SELECT 'a'\n'\\' ; TRUNCATE t; --'"))
                .last()
                .isEqualTo("TRUNCATE t");
    }

    @Test
    void dropsEmptyStatementsAndCommentOnlyParts() {
        assertThat(StatementSplitter.split(" ; ;select 1;; -- trailing\n /* only a comment */ ;"))
                .containsExactly("select 1");
        assertThat(StatementSplitter.split("")).isEmpty();
        assertThat(StatementSplitter.split("   ")).isEmpty();
    }

    @Test
    void ignoresSemicolonsInsideLiteralsIdentifiersAndComments() {
        assertThat(StatementSplitter.split("select 'a;b', \"c;d\" from t -- x;y\n where e = 'it''s;'; select 2"))
                .containsExactly("select 'a;b', \"c;d\" from t -- x;y\n where e = 'it''s;'", "select 2");
        assertThat(StatementSplitter.split("select /* a; /* nested; */ b; */ 1; select 2"))
                .hasSize(2);
        assertThat(StatementSplitter.split("select E'\\';still'; select 2"))
                .containsExactly("select E'\\';still'", "select 2");
    }

    @Test
    void dollarQuotedBodies() {
        String fn = "create function f() returns int language plpgsql as $body$ begin return 1; end; $body$";
        assertThat(StatementSplitter.split(fn + "; select f()")).containsExactly(fn, "select f()");
        assertThat(StatementSplitter.split("do $$ begin perform 1; end $$; select 2"))
                .hasSize(2);
        assertThat(StatementSplitter.split("select $1; select 2")).containsExactly("select $1", "select 2");
        assertThat(StatementSplitter.split("select a$b; select 2")).containsExactly("select a$b", "select 2");
    }

    @Test
    void sqlStandardFunctionBodies() {
        String fn =
                "create function g(a int) returns int begin atomic select case when a > 0 then 1 else 0 end; select 2; end";
        assertThat(StatementSplitter.split(fn + "; select 3")).containsExactly(fn, "select 3");
    }

    @Test
    void keywordsUsedAsLabelsInsideAnAtomicBodyDoNotHideTheNextStatement() {
        // Any keyword may label a column; only an END that starts a body statement ends the body.
        String fn = "create function f() returns int language sql begin atomic select 1 as case; end";
        assertThat(StatementSplitter.split(fn + "; drop table t")).containsExactly(fn, "drop table t");
        String cases = "create procedure p() language sql begin atomic select 1 as \"end\"; select 2 as case;"
                + " select 3 case; select case when true then 1 else 2 end end; end";
        assertThat(StatementSplitter.split(cases + ";grant all on t to public"))
                .containsExactly(cases, "grant all on t to public");
        String empty = "create function e() returns void language sql begin atomic end";
        assertThat(StatementSplitter.split(empty + "; create role r")).containsExactly(empty, "create role r");
        String emptyStatements = "create function e() returns void language sql begin atomic ; ; end";
        assertThat(StatementSplitter.split(emptyStatements + "; delete from t"))
                .containsExactly(emptyStatements, "delete from t");
    }

    @Test
    void anEndThatDoesNotStartABodyStatementLeavesTheBodyOpen() {
        // PostgreSQL reads "select 1 end" as a column labelled end: the body, and the statement, go on.
        String open = "create function f() returns int language sql begin atomic select 1 end; select 2; end";
        assertThat(StatementSplitter.split(open + "; drop table t")).containsExactly(open, "drop table t");
    }

    @Test
    void unterminatedInputDoesNotThrow() {
        assertThat(StatementSplitter.split("select 'unterminated; select 2")).hasSize(1);
        assertThat(StatementSplitter.split("select $x$ never closed; select 2")).hasSize(1);
        assertThat(StatementSplitter.split("select 1 /* open; select 2")).hasSize(1);
    }
}
