package dev.pgwarden.sidecar.sql;

import java.util.List;

/**
 * Where a DO block or a CREATE FUNCTION/PROCEDURE statement keeps its code: the language it is
 * written in and the text of its body (a string literal, or a standard SQL body), as
 * {@link CodeBodies} reads them.
 */
final class CodeText {
    private CodeText() {}

    /** The LANGUAGE clause (plpgsql for DO when none is given, sql for a BEGIN ATOMIC or RETURN body). */
    static String language(List<SqlToken> tokens) {
        for (int i = 0; i + 1 < tokens.size(); i++) {
            if (tokens.get(i).isWord("language") && tokens.get(i).depth() == 0) {
                SqlToken l = tokens.get(i + 1);
                return l.type() == SqlToken.Type.STRING ? unquote(l.text()) : Identifiers.fold(l.text());
            }
        }
        return tokens.get(0).isWord("do") ? "plpgsql" : "sql";
    }

    /**
     * The bodies of the code: DO's string, the AS strings of CREATE FUNCTION (the first one: the
     * second is a C symbol), or the statements of a BEGIN ATOMIC or RETURN body; null when the
     * body is written in a way this reader does not follow.
     */
    static List<String> bodies(List<SqlToken> tokens) {
        if (tokens.get(0).isWord("do")) {
            for (SqlToken t : tokens) {
                if (t.type() == SqlToken.Type.STRING) {
                    String body = unquote(t.text());
                    return body == null ? null : List.of(body);
                }
            }
            return null;
        }
        for (int i = 0; i + 1 < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            if (t.depth() == 0 && t.isWord("as") && tokens.get(i + 1).type() == SqlToken.Type.STRING) {
                String body = unquote(tokens.get(i + 1).text());
                return body == null ? null : List.of(body);
            }
            if (t.depth() == 0
                    && (t.isWord("atomic") && i > 0 && tokens.get(i - 1).isWord("begin")
                            || t.isWord("return") && !tokens.get(i - 1).isWord("returns"))) {
                // A standard SQL body: its statements are the rest of the text, up to the closing END.
                int from = tokens.get(i + 1).start();
                int to = tokens.get(tokens.size() - 1).end();
                StringBuilder sql = new StringBuilder();
                for (int k = i + 1; k < tokens.size(); k++) {
                    if (k == tokens.size() - 1 && tokens.get(k).isWord("end")) {
                        to = tokens.get(k).start();
                    }
                }
                String text = tokensText(tokens, from, to);
                sql.append(t.isWord("return") ? "SELECT " + text : text);
                return List.of(sql.toString());
            }
        }
        return null;
    }

    private static String tokensText(List<SqlToken> tokens, int from, int to) {
        StringBuilder b = new StringBuilder();
        for (SqlToken t : tokens) {
            if (t.start() >= from && t.end() <= to) {
                b.append(
                                t.type() == SqlToken.Type.QUOTED_IDENTIFIER
                                        ? '"' + t.text().replace("\"", "\"\"") + '"'
                                        : t.text())
                        .append(' ');
            }
        }
        return b.toString();
    }

    /** A literal's content: '...' with doubled quotes undone, or $tag$...$tag$; null for E'' and U&''. */
    private static String unquote(String literal) {
        if (literal.startsWith("'") && literal.endsWith("'") && literal.length() >= 2) {
            return literal.substring(1, literal.length() - 1).replace("''", "'");
        }
        if (literal.startsWith("$")) {
            int tagEnd = literal.indexOf('$', 1);
            if (tagEnd > 0 && literal.length() >= 2 * (tagEnd + 1)) {
                return literal.substring(tagEnd + 1, literal.length() - tagEnd - 1);
            }
        }
        return null;
    }
}
