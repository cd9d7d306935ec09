package dev.pgwarden.sidecar.sql;

import java.util.HashSet;
import java.util.Set;

/** The names in a piece of SQL: its words and quoted identifiers, as PostgreSQL resolves them. */
public final class SqlNames {
    private SqlNames() {}

    /** @throws IllegalStateException when the text cannot be lexed (no name can then be ruled out) */
    public static Set<String> of(String text) {
        if (text == null) {
            return Set.of();
        }
        try {
            return of(SqlLexer.tokenize(text));
        } catch (SqlLexer.LexException e) {
            throw new IllegalStateException("cannot read the names of a statement: " + e.getMessage(), e);
        }
    }

    /** The names among a statement's tokens. */
    public static Set<String> of(java.util.List<SqlToken> tokens) {
        Set<String> out = new HashSet<>();
        for (int i = 0; i < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            if (t.isName() && !qualifiesACall(tokens, i)) {
                out.add(t.text());
            }
        }
        return Set.copyOf(out);
    }

    /**
     * The names that may refer to columns or rows: every name but those called as functions
     * ({@code count} in {@code count(*)} is not a reference to a column named count).
     */
    public static Set<String> references(String text) {
        if (text == null) {
            return Set.of();
        }
        try {
            java.util.List<SqlToken> tokens = SqlLexer.tokenize(text);
            Set<String> out = new HashSet<>();
            for (int i = 0; i < tokens.size(); i++) {
                SqlToken t = tokens.get(i);
                boolean called = i + 1 < tokens.size() && tokens.get(i + 1).isSymbol("(");
                if (t.isName() && !called && !qualifiesACall(tokens, i)) {
                    out.add(t.text());
                }
            }
            return out;
        } catch (SqlLexer.LexException e) {
            throw new IllegalStateException("cannot read the names of a statement: " + e.getMessage(), e);
        }
    }

    /**
     * Whether the name at {@code i} is a schema (or database) in a qualified call such as
     * {@code mask_t.f(x)}: PostgreSQL reads {@code a.b(...)} as function b of schema a, never as
     * something of a row or column a, so {@code a} carries no value into the result.
     */
    private static boolean qualifiesACall(java.util.List<SqlToken> tokens, int i) {
        int j = i + 1;
        boolean qualified = false;
        while (j + 1 < tokens.size()
                && tokens.get(j).isSymbol(".")
                && tokens.get(j + 1).isName()) {
            qualified = true;
            j += 2;
        }
        return qualified && j < tokens.size() && tokens.get(j).isSymbol("(");
    }

    /** The statement with its literals replaced by {@code ?}, or a placeholder when it cannot be lexed. */
    public static String fingerprint(String text) {
        if (text == null) {
            return null;
        }
        try {
            return SqlLexer.fingerprint(SqlLexer.tokenize(text));
        } catch (SqlLexer.LexException e) {
            return "-- statement withheld: it may hold masked values and cannot be read (" + text.length()
                    + " characters)";
        }
    }
}
