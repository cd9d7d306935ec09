package dev.pgwarden.sidecar.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatementSplitterTest {
  @Test
  void splitsOnSemicolons() {
    assertThat(StatementSplitter.split("select 1; select 2;select 3")).containsExactly("select 1", "select 2", "select 3");
  }

  @Test
  void dropsEmptyStatementsAndCommentOnlyParts() {
    assertThat(StatementSplitter.split(" ; ;select 1;; -- trailing\n /* only a comment */ ;")).containsExactly("select 1");
    assertThat(StatementSplitter.split("")).isEmpty();
    assertThat(StatementSplitter.split("   ")).isEmpty();
  }

  @Test
  void ignoresSemicolonsInsideLiteralsIdentifiersAndComments() {
    assertThat(StatementSplitter.split("select 'a;b', \"c;d\" from t -- x;y\n where e = 'it''s;'; select 2"))
        .containsExactly("select 'a;b', \"c;d\" from t -- x;y\n where e = 'it''s;'", "select 2");
    assertThat(StatementSplitter.split("select /* a; /* nested; */ b; */ 1; select 2")).hasSize(2);
    assertThat(StatementSplitter.split("select E'\\';still'; select 2")).containsExactly("select E'\\';still'", "select 2");
  }

  @Test
  void dollarQuotedBodies() {
    String fn = "create function f() returns int language plpgsql as $body$ begin return 1; end; $body$";
    assertThat(StatementSplitter.split(fn + "; select f()")).containsExactly(fn, "select f()");
    assertThat(StatementSplitter.split("do $$ begin perform 1; end $$; select 2")).hasSize(2);
    assertThat(StatementSplitter.split("select $1; select 2")).containsExactly("select $1", "select 2");
    assertThat(StatementSplitter.split("select a$b; select 2")).containsExactly("select a$b", "select 2");
  }

  @Test
  void sqlStandardFunctionBodies() {
    String fn = "create function g(a int) returns int begin atomic select case when a > 0 then 1 else 0 end; select 2; end";
    assertThat(StatementSplitter.split(fn + "; select 3")).containsExactly(fn, "select 3");
  }

  @Test
  void unterminatedInputDoesNotThrow() {
    assertThat(StatementSplitter.split("select 'unterminated; select 2")).hasSize(1);
    assertThat(StatementSplitter.split("select $x$ never closed; select 2")).hasSize(1);
    assertThat(StatementSplitter.split("select 1 /* open; select 2")).hasSize(1);
  }
}
