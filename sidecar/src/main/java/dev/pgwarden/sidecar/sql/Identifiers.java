package dev.pgwarden.sidecar.sql;

/**
 * How PostgreSQL turns an identifier as written into the name it looks up: a quoted identifier
 * keeps its case (its doubled quotes become one), an unquoted one folds to lower case. Only the
 * ASCII letters fold: in a UTF-8 database PostgreSQL leaves every other letter as written, so
 * {@code Émail} and {@code émail} are two columns and must not be read as one. Every place that
 * compares names the statement wrote with each other or with the catalog goes through here.
 *
 * <p>PostgreSQL's scanner also cuts every identifier to {@code NAMEDATALEN - 1} = 63 bytes, at a
 * character boundary, so {@code x} of 70 bytes and its first 63 bytes are one name: they are
 * compared cut the same way.
 */
public final class Identifiers {
    /** PostgreSQL's NAMEDATALEN - 1: the longest identifier in bytes. */
    private static final int MAX_NAME_BYTES = 63;

    private Identifiers() {}

    /** A name as written in SQL text, quoted ({@code "Name"}) or not ({@code Name}). */
    public static String fold(String written) {
        if (written.length() >= 2 && written.charAt(0) == '"' && written.charAt(written.length() - 1) == '"') {
            return unquote(written.substring(1, written.length() - 1));
        }
        return foldUnquoted(written);
    }

    /** An unquoted word: its ASCII letters in lower case. */
    public static String foldUnquoted(String word) {
        return cut(lower(word));
    }

    private static String lower(String word) {
        int i = 0;
        while (i < word.length() && !isAsciiUpper(word.charAt(i))) {
            i++;
        }
        if (i == word.length()) {
            return word;
        }
        char[] folded = word.toCharArray();
        for (; i < folded.length; i++) {
            if (isAsciiUpper(folded[i])) {
                folded[i] = (char) (folded[i] + ('a' - 'A'));
            }
        }
        return new String(folded);
    }

    /** What stands between the quotes of a quoted identifier, as the name it denotes. */
    public static String unquote(String betweenQuotes) {
        return cut(betweenQuotes.replace("\"\"", "\""));
    }

    /** A name cut to the 63 bytes PostgreSQL keeps, at the last character boundary within them. */
    static String cut(String name) {
        // UTF-16 needs at most 3 UTF-8 bytes per char (a surrogate pair is 4 bytes for 2 chars).
        if (name.length() * 3 <= MAX_NAME_BYTES) {
            return name;
        }
        int bytes = 0;
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > MAX_NAME_BYTES) {
                return name.substring(0, i);
            }
            bytes += size;
            i += Character.charCount(cp);
        }
        return name;
    }

    private static boolean isAsciiUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }
}
