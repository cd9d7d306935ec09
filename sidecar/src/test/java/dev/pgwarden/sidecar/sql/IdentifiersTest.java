package dev.pgwarden.sidecar.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Names fold as PostgreSQL folds them in a UTF-8 database, wherever pgwarden reads them. */
class IdentifiersTest {
    @Test
    void unquotedNamesFoldTheirAsciiLettersOnly() {
        assertThat(Identifiers.fold("Customers")).isEqualTo("customers");
        assertThat(Identifiers.fold("EMAIL_2")).isEqualTo("email_2");
        assertThat(Identifiers.fold("Émail"))
                .as("PostgreSQL keeps non-ASCII letters as written")
                .isEqualTo("Émail");
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
        assertThat(SqlLexer.tokenize("SELECT Émail, EMAIL, \"Email\" FROM T").stream()
                        .map(SqlToken::text))
                .containsExactly("select", "Émail", ",", "email", ",", "Email", "from", "t");
        // Two different columns for PostgreSQL: never one cached classification.
        assertThat(SqlNames.fingerprint("SELECT Émail FROM t"))
                .isNotEqualTo(SqlNames.fingerprint("SELECT émail FROM t"));
        assertThat(StatementClassifier.classify("UPDATE \"S\".Orders SET x = 1 WHERE id = 2")
                        .writes())
                .containsExactly("S.orders");
        assertThat(StatementClassifier.classify("DO $$ BEGIN PERFORM PG_READ_FILE('x'); END $$")
                        .functions())
                .contains("pg_read_file");
    }

    @Test
    void namesAreCutToSixtyThreeBytesAtACharacterBoundaryAsThePostgresScannerCutsThem() {
        String seventy = "n".repeat(70);
        assertThat(Identifiers.fold(seventy)).isEqualTo("n".repeat(63));
        assertThat(Identifiers.fold("\"" + "N".repeat(70) + "\"")).isEqualTo("N".repeat(63));
        assertThat(Identifiers.fold("N".repeat(64))).isEqualTo(Identifiers.fold("n".repeat(63) + "zzz"));
        // 31 two-byte letters are 62 bytes: a 32nd does not fit and is dropped whole.
        assertThat(Identifiers.fold("é".repeat(40))).isEqualTo("é".repeat(31));
        assertThat(Identifiers.fold("x" + "€".repeat(30))).isEqualTo("x" + "€".repeat(20));
        assertThat(Identifiers.fold("short_name")).isEqualTo("short_name");
    }
}
