package dev.pgwarden.sidecar.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Names fold as PostgreSQL folds them in a UTF-8 database, wherever pgwarden reads them. */
class IdentifiersTest {
  @Test
  void unquotedNamesFoldTheirAsciiLettersOnly() {
    assertThat(Identifiers.fold("Customers")).isEqualTo("customers");
    assertThat(Identifiers.fold("EMAIL_2")).isEqualTo("email_2");
    assertThat(Identifiers.fold("Émail")).as("PostgreSQL keeps non-ASCII letters as written").isEqualTo("Émail");
    assertThat(Identifiers.fold("already_lower")).isEqualTo("already_lower");
  }

  @Test
  void quotedNamesKeepTheirCase() {
    assertThat(Identifiers.fold("\"Customers\"")).isEqualTo("Customers");
    assertThat(Identifiers.fold("\"say \"\"hi\"\"\"")).isEqualTo("say \"hi\"");
    assertThat(Identifiers.fold("\"")).as("a lone quote is no quoted name").isEqualTo("\"");
  }

  @Test
  void theLexerAndTheClassifierReadNamesTheSameWay() throws SqlLexer.LexException {
    assertThat(SqlLexer.tokenize("SELECT Émail, EMAIL, \"Email\" FROM T").stream().map(SqlToken::text))
        .containsExactly("select", "Émail", ",", "email", ",", "Email", "from", "t");
    // Two different columns for PostgreSQL: never one cached classification.
    assertThat(SqlNames.fingerprint("SELECT Émail FROM t")).isNotEqualTo(SqlNames.fingerprint("SELECT émail FROM t"));
    assertThat(StatementClassifier.classify("UPDATE \"S\".Orders SET x = 1 WHERE id = 2").writes())
        .containsExactly("S.orders");
    assertThat(StatementClassifier.classify("DO $$ BEGIN PERFORM PG_READ_FILE('x'); END $$").functions())
        .contains("pg_read_file");
  }
}
