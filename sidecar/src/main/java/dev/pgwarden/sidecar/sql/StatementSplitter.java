package dev.pgwarden.sidecar.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a simple-protocol Query string into its statements the way the server will: on
 * semicolons outside string literals, quoted identifiers, dollar-quoted bodies, comments (nested
 * block comments included) and SQL-standard {@code BEGIN ATOMIC ... END} function bodies.
 * Statements that are only blanks and comments are dropped, as the server drops them.
 */
public final class StatementSplitter {
  private StatementSplitter() {
  }

  public static List<String> split(String sql) {
    List<String> out = new ArrayList<>(1);
    int n = sql.length();
    int start = 0;
    int atomicDepth = 0;
    boolean sawContent = false;
    String prevWord = "";
    int i = 0;
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        i = skipLineComment(sql, i);
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        i = skipBlockComment(sql, i);
      } else if (c == '\'') {
        boolean escapes = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e') && !identifierChar(sql, i - 2);
        i = skipQuoted(sql, i, '\'', escapes);
        sawContent = true;
      } else if (c == '"') {
        i = skipQuoted(sql, i, '"', false);
        sawContent = true;
      } else if (c == '$' && !identifierChar(sql, i - 1)) {
        int end = dollarQuoteEnd(sql, i);
        i = end > i ? end : i + 1;
        sawContent = true;
      } else if (c == ';' && atomicDepth == 0) {
        if (sawContent) {
          out.add(sql.substring(start, i).strip());
        }
        start = i + 1;
        sawContent = false;
        prevWord = "";
        i++;
      } else if (Character.isLetter(c) || c == '_') {
        int end = i;
        while (end < n && identifierChar(sql, end)) {
          end++;
        }
        String word = sql.substring(i, end).toUpperCase(java.util.Locale.ROOT);
        if (word.equals("ATOMIC") && prevWord.equals("BEGIN")) {
          atomicDepth++;
        } else if (atomicDepth > 0 && word.equals("CASE")) {
          atomicDepth++;
        } else if (atomicDepth > 0 && word.equals("END")) {
          atomicDepth--;
        }
        prevWord = word;
        sawContent = true;
        i = end;
      } else {
        if (!Character.isWhitespace(c)) {
          sawContent = true;
        }
        i++;
      }
    }
    if (sawContent) {
      out.add(sql.substring(start).strip());
    }
    return out;
  }

  /**
   * PostgreSQL's identifier characters: letters, digits, '_', '$' and every character at or above
   * 0x80. Missing the last would let "x\u20ac$a$" open a dollar quote here while the server reads
   * one identifier, and a following "; DROP ..." would hide inside the supposed quote.
   */
  private static boolean identifierChar(String s, int i) {
    if (i < 0 || i >= s.length()) {
      return false;
    }
    char c = s.charAt(i);
    return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c >= 0x80;
  }

  private static int skipLineComment(String s, int i) {
    int end = s.indexOf('\n', i);
    return end < 0 ? s.length() : end + 1;
  }

  private static int skipBlockComment(String s, int i) {
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
    return n;
  }

  private static int skipQuoted(String s, int i, char quote, boolean backslashEscapes) {
    int n = s.length();
    i++;
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
    return n;
  }

  /** @return the index after the closing tag, or {@code i} when no dollar quote starts here */
  private static int dollarQuoteEnd(String s, int i) {
    int n = s.length();
    int j = i + 1;
    while (j < n && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_' || s.charAt(j) >= 0x80)) {
      j++;
    }
    if (j >= n || s.charAt(j) != '$' || (j > i + 1 && Character.isDigit(s.charAt(i + 1)))) {
      return i;
    }
    String tag = s.substring(i, j + 1);
    int close = s.indexOf(tag, j + 1);
    return close < 0 ? n : close + tag.length();
  }
}
