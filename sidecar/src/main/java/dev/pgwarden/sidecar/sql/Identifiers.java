package dev.pgwarden.sidecar.sql;

/**
 * How PostgreSQL turns an identifier as written into the name it looks up: a quoted identifier
 * keeps its case (its doubled quotes become one), an unquoted one folds to lower case. Only the
 * ASCII letters fold: in a UTF-8 database PostgreSQL leaves every other letter as written, so
 * {@code Émail} and {@code émail} are two columns and must not be read as one. Every place that
 * compares names the statement wrote with each other or with the catalog goes through here.
 */
public final class Identifiers {
  private Identifiers() {
  }

  /** A name as written in SQL text, quoted ({@code "Name"}) or not ({@code Name}). */
  public static String fold(String written) {
    if (written.length() >= 2 && written.charAt(0) == '"' && written.charAt(written.length() - 1) == '"') {
      return unquote(written.substring(1, written.length() - 1));
    }
    return foldUnquoted(written);
  }

  /** An unquoted word: its ASCII letters in lower case. */
  public static String foldUnquoted(String word) {
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
    return betweenQuotes.replace("\"\"", "\"");
  }

  private static boolean isAsciiUpper(char c) {
    return c >= 'A' && c <= 'Z';
  }
}
