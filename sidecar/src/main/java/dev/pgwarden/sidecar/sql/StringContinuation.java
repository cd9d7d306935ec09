package dev.pgwarden.sidecar.sql;

/**
 * PostgreSQL's continuation of a string literal: {@code 'a'}, a newline, {@code 'b'} is the one
 * string {@code ab}, and the continuation is read the way the first part was (an E string's
 * backslash escapes go on), so a splitter that reads it as two strings ends statements where the
 * server does not.
 */
final class StringContinuation {
    private StringContinuation() {}

    /** Where a string literal ending at {@code close} really ends, its continuations included. */
    static int end(String s, int close, boolean backslashEscapes) throws SqlLexer.LexException {
        for (int more = at(s, close); more >= 0; more = at(s, close)) {
            close = SqlLexer.quotedEnd(s, more, '\'', backslashEscapes);
        }
        return close;
    }

    /**
     * Where a string literal ending at {@code i} continues, as PostgreSQL's scanner reads it: blanks
     * and {@code --} comments, at least one newline, more blanks and comments each ended by a
     * newline, then a quote. Block comments do not count.
     *
     * @return the offset of the continuing quote, or -1 when the literal ends at {@code i}
     * @throws LexException at a vertical tab there, which PostgreSQL releases read differently
     */
    static int at(String s, int i) throws SqlLexer.LexException {
        int n = s.length();
        int j = i;
        while (j < n) {
            char c = s.charAt(j);
            if (c == ' ' || c == '\t' || c == '\f') {
                j++;
            } else if (c == '-' && j + 1 < n && s.charAt(j + 1) == '-') {
                j = SqlLexer.lineCommentEnd(s, j);
                if (j < 0) {
                    return -1;
                }
            } else {
                break;
            }
        }
        if (j < n && s.charAt(j) == '\u000b') {
            throw new SqlLexer.LexException(
                    "a vertical tab after a string literal, which PostgreSQL releases read differently");
        }
        if (j >= n || s.charAt(j) != '\n' && s.charAt(j) != '\r') {
            return -1;
        }
        j++;
        while (j < n) {
            char c = s.charAt(j);
            if (c == ' ' || c == '\t' || c == '\f' || c == '\n' || c == '\r') {
                j++;
            } else if (c == '\u000b') {
                throw new SqlLexer.LexException(
                        "a vertical tab after a string literal, which PostgreSQL releases read differently");
            } else if (c == '-' && j + 1 < n && s.charAt(j + 1) == '-') {
                int end = SqlLexer.lineCommentEnd(s, j);
                if (end < 0) {
                    return -1;
                }
                j = end + 1;
            } else {
                break;
            }
        }
        return j < n && s.charAt(j) == '\'' ? j : -1;
    }
}
