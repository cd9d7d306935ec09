package dev.pgwarden.sidecar.sql;

import java.util.List;

/**
 * Why an agent says it runs a statement, in its own words: a leading comment
 * {@code /* pgwarden:reason <text> *}{@code /} (or {@code -- pgwarden:reason <text>}) before the
 * statement's first token, or the value of {@code SET pgwarden.reason = '<text>'} for the session.
 * A comment anywhere else is part of the statement, not a reason. The text is shown to reviewers
 * in terminals and the audit, so it is made one line of printable characters and clipped.
 *
 * <p>Only the comment or the SET's value is ever taken: nothing of the rest of the statement, so
 * no literal of a statement that reads masked columns can end up in a reason.
 */
public final class StatementReason {
    /** The session setting; PostgreSQL accepts any dotted name as a custom setting. */
    public static final String SETTING = "pgwarden.reason";

    public static final int MAX_CHARS = 500;
    private static final String MARKER = "pgwarden:reason";

    private StatementReason() {}

    /** The reason the statement's leading comments give (the first that is one), or null. */
    public static String leading(String sql) {
        if (sql == null) {
            return null;
        }
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (SqlLexer.isSpace(c)) {
                i++;
            } else if (sql.startsWith("--", i)) {
                int end = SqlLexer.lineCommentEnd(sql, i);
                end = end < 0 ? n : end;
                String reason = reasonIn(sql.substring(i + 2, end));
                if (reason != null) {
                    return reason;
                }
                i = end;
            } else if (sql.startsWith("/*", i)) {
                int end;
                try {
                    end = SqlLexer.blockCommentEnd(sql, i);
                } catch (SqlLexer.LexException e) {
                    return null; // PostgreSQL rejects the statement; an unterminated comment gives no reason
                }
                String reason = reasonIn(sql.substring(i + 2, end - 2));
                if (reason != null) {
                    return reason;
                }
                i = end;
            } else {
                return null; // the statement has started
            }
        }
        return null;
    }

    /**
     * The reason a {@code SET pgwarden.reason} statement gives: its value, or null when it resets the
     * setting ({@code TO DEFAULT}, or a RESET).
     */
    public static String setValue(String sql) {
        List<SqlToken> tokens;
        try {
            tokens = SqlLexer.tokenize(sql);
        } catch (SqlLexer.LexException e) {
            return null;
        }
        if (tokens.isEmpty() || !tokens.get(0).isWord("set")) {
            return null;
        }
        int value = -1;
        for (int i = 1; i < tokens.size(); i++) {
            if (tokens.get(i).isSymbol("=") || tokens.get(i).isWord("to")) {
                value = i + 1;
                break;
            }
        }
        if (value < 0 || value >= tokens.size() || tokens.get(value).isWord("default")) {
            return null;
        }
        SqlToken first = tokens.get(value);
        if (first.type() == SqlToken.Type.STRING && value == tokens.size() - 1) {
            return clean(unquote(first.text()));
        }
        // A list or a bare word: PostgreSQL keeps the text as written.
        int end = tokens.get(tokens.size() - 1).end();
        return clean(sql.substring(first.start(), end));
    }

    /** The text of a string constant: '...' with '' doubled, E'...', or $tag$...$tag$. */
    private static String unquote(String literal) {
        if (literal.startsWith("$")) {
            int tag = literal.indexOf('$', 1) + 1;
            return literal.substring(tag, literal.length() - tag);
        }
        int open = literal.indexOf('\'');
        String body = literal.substring(open + 1, literal.length() - 1).replace("''", "'");
        return open > 0 && (literal.charAt(0) == 'e' || literal.charAt(0) == 'E') ? body.replace("\\'", "'") : body;
    }

    private static String reasonIn(String comment) {
        String text = comment.strip();
        if (!text.regionMatches(true, 0, MARKER, 0, MARKER.length())) {
            return null;
        }
        String rest = text.substring(MARKER.length());
        if (!rest.isEmpty() && !Character.isWhitespace(rest.charAt(0))) {
            return null; // pgwarden:reasonable is not the marker
        }
        return clean(rest);
    }

    /**
     * One line of printable text: line breaks, control and format characters (terminal escapes,
     * bidirectional overrides, zero-width marks) become single spaces, unpaired surrogates become
     * U+FFFD, and more than {@link #MAX_CHARS} characters are cut, ending with an ellipsis.
     *
     * @return null when nothing printable is left
     */
    public static String clean(String raw) {
        if (raw == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(raw.length(), MAX_CHARS));
        boolean gap = false;
        for (int i = 0; i < raw.length(); ) {
            int cp = raw.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isSurrogate((char) cp) && Character.charCount(cp) == 1) {
                cp = 0xFFFD;
            }
            int type = Character.getType(cp);
            if (Character.isWhitespace(cp)
                    || Character.isISOControl(cp)
                    || type == Character.FORMAT
                    || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR
                    || type == Character.SPACE_SEPARATOR) {
                gap = out.length() > 0;
                continue;
            }
            if (gap) {
                out.append(' ');
                gap = false;
            }
            out.appendCodePoint(cp);
            if (out.length() > MAX_CHARS) {
                int cut = MAX_CHARS - 1;
                if (Character.isHighSurrogate(out.charAt(cut - 1))) {
                    cut--;
                }
                return out.substring(0, cut).stripTrailing() + "\u2026";
            }
        }
        return out.isEmpty() ? null : out.toString();
    }
}
