package dev.pgwarden.sidecar.sql;

import java.util.List;

/**
 * Rewrites a statement for JSqlParser from pgwarden's own tokens: every string literal becomes
 * {@code ''}, every number {@code 0}, comments become a blank, unquoted words are lower-cased.
 *
 * <p>Why: the lexer, not JSqlParser, is the authority on where literals and comments end. JSqlParser
 * does not know E'' escapes, dollar quoting inside expressions, U&amp; strings or nested comments;
 * left to itself it either fails on valid PostgreSQL or, worse, reads part of a literal as code (or
 * code as a literal). And since statements that differ only in literals share a fingerprint and
 * hence a cached classification, the parser must never see the literal values: with them,
 * {@code WHERE id + 1 = id + 1} (every row) and {@code WHERE id + 1 = id + 2} (no row) would be
 * classified differently under one fingerprint.
 */
final class ParserText {
    private ParserText() {}

    static String of(String sql, List<SqlToken> tokens) {
        StringBuilder b = new StringBuilder(sql.length());
        boolean[] skip = mergeDoNothingClauses(tokens);
        int previousEnd = 0;
        for (int k = 0; k < tokens.size(); k++) {
            SqlToken t = tokens.get(k);
            if (skip[k]) {
                continue;
            }
            if (t.start() > previousEnd) {
                b.append(' ');
            }
            previousEnd = t.end();
            switch (t.type()) {
                case STRING -> b.append("''");
                case NUMBER -> b.append('0');
                case QUOTED_IDENTIFIER ->
                    b.append('"').append(t.text().replace("\"", "\"\"")).append('"');
                case WORD -> {
                    if (t.isWord("current")
                            && k + 1 < tokens.size()
                            && tokens.get(k + 1).isWord("of")) {
                        // WHERE CURRENT OF cursor changes the one row the cursor is on. JSqlParser does not
                        // know it; a comparison of a column with a named parameter (the cursor's name) reads as
                        // the bounded condition it is: the cursor is the outside value that selects the row.
                        b.append("ctid = :");
                        skip[k + 1] = true;
                        previousEnd = Integer.MAX_VALUE; // the name follows the colon with no blank

                    } else if (!isInheritanceOnly(tokens, k)) {
                        b.append(t.text());
                    }
                }
                default -> b.append(t.text());
            }
        }
        return b.toString();
    }

    /**
     * MERGE's {@code WHEN ... THEN DO NOTHING} clauses, which JSqlParser rejects. They change
     * nothing, and the classifier reads MERGE's actions from the tokens, so the parser may skip them.
     */
    private static boolean[] mergeDoNothingClauses(List<SqlToken> tokens) {
        boolean[] skip = new boolean[tokens.size()];
        if (tokens.isEmpty() || !tokens.get(0).isWord("merge")) {
            return skip;
        }
        int when = -1;
        for (int k = 0; k + 2 < tokens.size(); k++) {
            SqlToken t = tokens.get(k);
            if (t.depth() == 0 && t.isWord("when")) {
                when = k;
            }
            if (when >= 0
                    && t.depth() == 0
                    && t.isWord("then")
                    && tokens.get(k + 1).isWord("do")
                    && tokens.get(k + 2).isWord("nothing")) {
                for (int j = when; j <= k + 2; j++) {
                    skip[j] = true;
                }
            }
        }
        return skip;
    }

    /**
     * {@code ONLY} before a table name (UPDATE ONLY t, DELETE FROM ONLY t, FROM ONLY t) only excludes
     * inheritance children, which changes nothing pgwarden decides, and JSqlParser rejects it.
     */
    private static boolean isInheritanceOnly(List<SqlToken> tokens, int k) {
        if (!tokens.get(k).isWord("only") || k == 0) {
            return false;
        }
        SqlToken before = tokens.get(k - 1);
        return before.isWord("update")
                || before.isWord("from")
                || before.isWord("join")
                || before.isWord("using")
                || before.isSymbol(",");
    }
}
