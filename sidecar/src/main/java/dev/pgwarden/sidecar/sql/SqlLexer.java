package dev.pgwarden.sidecar.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Tokenizes one statement the way PostgreSQL's scanner does (with standard_conforming_strings on,
 * which the proxy enforces): comments, nested block comments, string constants in all their forms
 * (E'', U&'', B'', X'', N''), dollar quoting, quoted identifiers, numbers and parameters.
 *
 * <p>Getting literal boundaries exactly right is what makes the fingerprint safe: a text the
 * lexer took for a literal but the server reads as code would share a cache entry with a
 * harmless statement. Anything the lexer cannot close (an unterminated quote or comment) makes
 * the statement {@link #tokenize} reject it, and the statement is then unclassifiable.
 */
public final class SqlLexer {
    private SqlLexer() {}

    /** Thrown for text PostgreSQL would not scan either (unterminated literal, identifier or comment). */
    public static final class LexException extends Exception {
        LexException(String message) {
            super(message, null, false, false);
        }
    }

    public static List<SqlToken> tokenize(String sql) throws LexException {
        List<SqlToken> out = new ArrayList<>();
        int n = sql.length();
        int depth = 0;
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (isSpace(c)) {
                i++;
            } else if (c == '-' && next(sql, i) == '-') {
                int end = lineCommentEnd(sql, i);
                i = end < 0 ? n : end + 1;
            } else if (c == '/' && next(sql, i) == '*') {
                i = blockCommentEnd(sql, i);
            } else if (c == '\'') {
                int end = quotedEnd(sql, i, '\'', false);
                out.add(new SqlToken(SqlToken.Type.STRING, sql.substring(i, end), i, end, depth));
                i = end;
            } else if (c == '"') {
                int end = quotedEnd(sql, i, '"', false);
                out.add(new SqlToken(
                        SqlToken.Type.QUOTED_IDENTIFIER,
                        Identifiers.unquote(sql.substring(i + 1, end - 1)),
                        i,
                        end,
                        depth));
                i = end;
            } else if (c == '$' && isDigit(next(sql, i))) {
                int end = i + 1;
                while (end < n && isDigit(sql.charAt(end))) {
                    end++;
                }
                out.add(new SqlToken(SqlToken.Type.PARAMETER, sql.substring(i, end), i, end, depth));
                i = end;
            } else if (c == '$') {
                int end = dollarQuoteEnd(sql, i);
                if (end < 0) {
                    out.add(new SqlToken(SqlToken.Type.SYMBOL, "$", i, i + 1, depth));
                    i++;
                } else {
                    out.add(new SqlToken(SqlToken.Type.STRING, sql.substring(i, end), i, end, depth));
                    i = end;
                }
            } else if (isDigit(c) || (c == '.' && isDigit(next(sql, i)))) {
                int end = numberEnd(sql, i);
                out.add(new SqlToken(SqlToken.Type.NUMBER, sql.substring(i, end), i, end, depth));
                i = end;
            } else if (isIdentifierStart(c)) {
                int end = i + 1;
                while (end < n && isIdentifierPart(sql.charAt(end))) {
                    end++;
                }
                String word = sql.substring(i, end);
                char after = end < n ? sql.charAt(end) : 0;
                if (after == '\'' && isStringPrefix(word)) {
                    boolean escapes = word.equalsIgnoreCase("e");
                    int close = StringContinuation.end(sql, quotedEnd(sql, end, '\'', escapes), escapes);
                    out.add(new SqlToken(SqlToken.Type.STRING, sql.substring(i, close), i, close, depth));
                    i = close;
                } else if (word.equalsIgnoreCase("u")
                        && after == '&'
                        && end + 1 < n
                        && (sql.charAt(end + 1) == '\'' || sql.charAt(end + 1) == '"')) {
                    i = unicodeLiteral(sql, i, end + 1, depth, out);
                } else {
                    out.add(new SqlToken(SqlToken.Type.WORD, Identifiers.foldUnquoted(word), i, end, depth));
                    i = end;
                }
            } else if (c == '(' || c == '[') {
                out.add(new SqlToken(SqlToken.Type.SYMBOL, String.valueOf(c), i, i + 1, depth));
                depth++;
                i++;
            } else if (c == ')' || c == ']') {
                depth = Math.max(0, depth - 1);
                out.add(new SqlToken(SqlToken.Type.SYMBOL, String.valueOf(c), i, i + 1, depth));
                i++;
            } else if (c == ':' && next(sql, i) == ':') {
                out.add(new SqlToken(SqlToken.Type.SYMBOL, "::", i, i + 2, depth));
                i += 2;
            } else if (isOperatorChar(c)) {
                int end = i + 1;
                // An operator never contains the start of a comment: "1--2" is 1 and a comment.
                while (end < n
                        && isOperatorChar(sql.charAt(end))
                        && !sql.startsWith("--", end)
                        && !sql.startsWith("/*", end)) {
                    end++;
                }
                out.add(new SqlToken(SqlToken.Type.SYMBOL, sql.substring(i, end), i, end, depth));
                i = end;
            } else {
                out.add(new SqlToken(SqlToken.Type.SYMBOL, String.valueOf(c), i, i + 1, depth));
                i++;
            }
        }
        return out;
    }

    /**
     * A U&amp;'...' string or U&amp;"..." identifier, with the UESCAPE 'c' clause that may follow it.
     * The identifier is decoded: PostgreSQL resolves {@code U&"\0070g_read_file"} to
     * {@code pg_read_file}, so the guards and the fingerprint must see the decoded name, and the
     * escape character changes the name, so the clause belongs to the token.
     *
     * @param quoteAt offset of the opening quote (after {@code U&})
     * @return the offset after the token
     */
    private static int unicodeLiteral(String sql, int start, int quoteAt, int depth, List<SqlToken> out)
            throws LexException {
        char quote = sql.charAt(quoteAt);
        int close = quotedEnd(sql, quoteAt, quote, false);
        int end = close;
        char escape = '\\';
        int clause = skipBlanksAndComments(sql, close);
        if (sql.regionMatches(true, clause, "uescape", 0, 7)
                && !(clause + 7 < sql.length() && isIdentifierPart(sql.charAt(clause + 7)))) {
            int lit = skipBlanksAndComments(sql, clause + 7);
            if (lit + 2 >= sql.length()
                    || sql.charAt(lit) != '\''
                    || sql.charAt(lit + 2) != '\''
                    || "0123456789abcdefABCDEF+'\" \t\n\r".indexOf(sql.charAt(lit + 1)) >= 0) {
                throw new LexException("invalid UESCAPE clause");
            }
            escape = sql.charAt(lit + 1);
            end = lit + 3;
        }
        if (quote == '\'') {
            out.add(new SqlToken(SqlToken.Type.STRING, sql.substring(start, end), start, end, depth));
        } else {
            String raw = Identifiers.unquote(sql.substring(quoteAt + 1, close - 1));
            out.add(new SqlToken(
                    SqlToken.Type.QUOTED_IDENTIFIER, decodeUnicodeEscapes(raw, escape), start, end, depth));
        }
        return end;
    }

    /** Resolves {@code \XXXX}, {@code \+XXXXXX} and a doubled escape character, as PostgreSQL does. */
    private static String decodeUnicodeEscapes(String raw, char escape) throws LexException {
        StringBuilder b = new StringBuilder(raw.length());
        int i = 0;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c != escape) {
                b.append(c);
                i++;
            } else if (i + 1 < raw.length() && raw.charAt(i + 1) == escape) {
                b.append(escape);
                i += 2;
            } else {
                boolean six = i + 1 < raw.length() && raw.charAt(i + 1) == '+';
                int from = i + (six ? 2 : 1);
                int to = from + (six ? 6 : 4);
                int code;
                try {
                    code = to <= raw.length() ? Integer.parseInt(raw.substring(from, to), 16) : -1;
                } catch (NumberFormatException e) {
                    code = -1;
                }
                if (code <= 0 || code > Character.MAX_CODE_POINT) {
                    throw new LexException("invalid Unicode escape in a U& identifier");
                }
                b.appendCodePoint(code);
                i = to;
            }
        }
        return b.toString();
    }

    /**
     * Where the {@code --} comment at {@code from} ends: the index of the first line feed or
     * carriage return after it (PostgreSQL's scanner ends one at either), or -1 at the end of the
     * text. A comment read to the line feed only would hide from pgwarden what follows a lone
     * carriage return, which PostgreSQL runs.
     */
    static int lineCommentEnd(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') {
                return i;
            }
        }
        return -1;
    }

    private static int skipBlanksAndComments(String s, int i) throws LexException {
        while (i < s.length()) {
            if (isSpace(s.charAt(i))) {
                i++;
            } else if (s.startsWith("--", i)) {
                int nl = lineCommentEnd(s, i);
                i = nl < 0 ? s.length() : nl + 1;
            } else if (s.startsWith("/*", i)) {
                i = blockCommentEnd(s, i);
            } else {
                break;
            }
        }
        return i;
    }

    /**
     * The statement's shape: tokens joined by single spaces, unquoted words lower-cased, quoted
     * identifiers kept quoted, every string and number literal replaced by {@code ?}. Statements
     * that differ only in literal values share a fingerprint, and nothing else does.
     *
     * <p>Except code: the string literals of {@code DO} and {@code CREATE FUNCTION/PROCEDURE} are
     * bodies the server runs, the classifier reads them for dangerous calls, and an approval of one
     * body must not cover another, so they are kept verbatim.
     */
    public static String fingerprint(List<SqlToken> tokens) {
        boolean code = declaresCode(tokens);
        StringBuilder b = new StringBuilder(tokens.size() * 6);
        for (int i = 0; i < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            if (!b.isEmpty()) {
                b.append(' ');
            }
            switch (t.type()) {
                // The setting set_config changes decides its verdict (search_path passes, role does not):
                // it is part of the statement's shape.
                case STRING -> b.append(code || SettingCalls.namesSetting(tokens, i) ? t.text() : "?");
                case NUMBER -> b.append('?');
                case QUOTED_IDENTIFIER ->
                    b.append('"').append(t.text().replace("\"", "\"\"")).append('"');
                default -> b.append(t.text());
            }
        }
        return b.toString();
    }

    /** DO, or CREATE [OR REPLACE] FUNCTION|PROCEDURE: statements whose string literals are code. */
    static boolean declaresCode(List<SqlToken> tokens) {
        if (tokens.isEmpty()) {
            return false;
        }
        if (tokens.get(0).isWord("do")) {
            return true;
        }
        int i = 1;
        if (tokens.size() > 3 && tokens.get(1).isWord("or") && tokens.get(2).isWord("replace")) {
            i = 3;
        }
        return tokens.get(0).isWord("create")
                && i < tokens.size()
                && (tokens.get(i).isWord("function") || tokens.get(i).isWord("procedure"));
    }

    private static char next(String s, int i) {
        return i + 1 < s.length() ? s.charAt(i + 1) : 0;
    }

    /**
     * PostgreSQL's whitespace: ASCII only. Every other character, U+3000 and the like included,
     * is part of an identifier to the server, so it must be to pgwarden.
     */
    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000B';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isIdentifierStart(char c) {
        return Character.isLetter(c) || c == '_' || c >= 0x80;
    }

    private static boolean isIdentifierPart(char c) {
        return isIdentifierStart(c) || isDigit(c) || c == '$';
    }

    private static boolean isStringPrefix(String word) {
        return word.length() == 1 && "eEbBxXnN".indexOf(word.charAt(0)) >= 0;
    }

    private static boolean isOperatorChar(char c) {
        return "+-*/<>=~!@#%^&|`?".indexOf(c) >= 0;
    }

    static int blockCommentEnd(String s, int i) throws LexException {
        int depth = 0;
        int n = s.length();
        while (i < n) {
            if (s.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (s.startsWith("*/", i)) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        throw new LexException("unterminated /* comment");
    }

    /** @return the index after the closing quote */
    static int quotedEnd(String s, int open, char quote, boolean backslashEscapes) throws LexException {
        int n = s.length();
        int i = open + 1;
        while (i < n) {
            char c = s.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < n && s.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        throw new LexException(quote == '"' ? "unterminated quoted identifier" : "unterminated quoted string");
    }

    /** @return the index after the closing tag, or -1 when no dollar quote starts here */
    private static int dollarQuoteEnd(String s, int i) throws LexException {
        int n = s.length();
        int j = i + 1;
        if (j < n && isDigit(s.charAt(j))) {
            return -1;
        }
        while (j < n && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_' || s.charAt(j) >= 0x80)) {
            j++;
        }
        if (j >= n || s.charAt(j) != '$') {
            return -1;
        }
        String tag = s.substring(i, j + 1);
        int close = s.indexOf(tag, j + 1);
        if (close < 0) {
            throw new LexException("unterminated dollar-quoted string");
        }
        return close + tag.length();
    }

    private static int numberEnd(String s, int i) {
        int n = s.length();
        int j = i;
        if (s.charAt(j) == '0' && j + 1 < n && "xXoObB".indexOf(s.charAt(j + 1)) >= 0) {
            j += 2;
            while (j < n && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                j++;
            }
            return j;
        }
        while (j < n && (isDigit(s.charAt(j)) || s.charAt(j) == '_')) {
            j++;
        }
        if (j < n && s.charAt(j) == '.' && !(j + 1 < n && s.charAt(j + 1) == '.')) {
            j++;
            while (j < n && (isDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                j++;
            }
        }
        if (j < n && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
            int k = j + 1;
            if (k < n && (s.charAt(k) == '+' || s.charAt(k) == '-')) {
                k++;
            }
            if (k < n && isDigit(s.charAt(k))) {
                j = k;
                while (j < n && isDigit(s.charAt(j))) {
                    j++;
                }
            }
        }
        return j;
    }
}
