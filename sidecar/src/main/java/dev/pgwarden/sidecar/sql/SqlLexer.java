package dev.pgwarden.sidecar.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
  private SqlLexer() {
  }

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
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '-' && next(sql, i) == '-') {
        int end = sql.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
      } else if (c == '/' && next(sql, i) == '*') {
        i = blockCommentEnd(sql, i);
      } else if (c == '\'') {
        int end = quotedEnd(sql, i, '\'', false);
        out.add(new SqlToken(SqlToken.Type.STRING, sql.substring(i, end), i, depth));
        i = end;
      } else if (c == '"') {
        int end = quotedEnd(sql, i, '"', false);
        out.add(new SqlToken(SqlToken.Type.QUOTED_IDENTIFIER, sql.substring(i + 1, end - 1).replace("\"\"", "\""), i, depth));
        i = end;
      } else if (c == '$' && isDigit(next(sql, i))) {
        int end = i + 1;
        while (end < n && isDigit(sql.charAt(end))) {
          end++;
        }
        out.add(new SqlToken(SqlToken.Type.PARAMETER, sql.substring(i, end), i, depth));
        i = end;
      } else if (c == '$') {
        int end = dollarQuoteEnd(sql, i);
        if (end < 0) {
          out.add(new SqlToken(SqlToken.Type.SYMBOL, "$", i, depth));
          i++;
        } else {
          out.add(new SqlToken(SqlToken.Type.STRING, sql.substring(i, end), i, depth));
          i = end;
        }
      } else if (isDigit(c) || (c == '.' && isDigit(next(sql, i)))) {
        int end = numberEnd(sql, i);
        out.add(new SqlToken(SqlToken.Type.NUMBER, sql.substring(i, end), i, depth));
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
          int close = quotedEnd(sql, end, '\'', escapes);
          out.add(new SqlToken(SqlToken.Type.STRING, sql.substring(i, close), i, depth));
          i = close;
        } else if (word.equalsIgnoreCase("u") && after == '&' && end + 1 < n
            && (sql.charAt(end + 1) == '\'' || sql.charAt(end + 1) == '"')) {
          char quote = sql.charAt(end + 1);
          int close = quotedEnd(sql, end + 1, quote, false);
          SqlToken.Type type = quote == '\'' ? SqlToken.Type.STRING : SqlToken.Type.QUOTED_IDENTIFIER;
          String text = quote == '\'' ? sql.substring(i, close) : sql.substring(end + 2, close - 1);
          out.add(new SqlToken(type, text, i, depth));
          i = close;
        } else {
          out.add(new SqlToken(SqlToken.Type.WORD, word.toLowerCase(Locale.ROOT), i, depth));
          i = end;
        }
      } else if (c == '(' || c == '[') {
        out.add(new SqlToken(SqlToken.Type.SYMBOL, String.valueOf(c), i, depth));
        depth++;
        i++;
      } else if (c == ')' || c == ']') {
        depth = Math.max(0, depth - 1);
        out.add(new SqlToken(SqlToken.Type.SYMBOL, String.valueOf(c), i, depth));
        i++;
      } else if (c == ':' && next(sql, i) == ':') {
        out.add(new SqlToken(SqlToken.Type.SYMBOL, "::", i, depth));
        i += 2;
      } else if (isOperatorChar(c)) {
        int end = i + 1;
        // An operator never contains the start of a comment: "1--2" is 1 and a comment.
        while (end < n && isOperatorChar(sql.charAt(end)) && !sql.startsWith("--", end) && !sql.startsWith("/*", end)) {
          end++;
        }
        out.add(new SqlToken(SqlToken.Type.SYMBOL, sql.substring(i, end), i, depth));
        i = end;
      } else {
        out.add(new SqlToken(SqlToken.Type.SYMBOL, String.valueOf(c), i, depth));
        i++;
      }
    }
    return out;
  }

  /**
   * The statement's shape: tokens joined by single spaces, unquoted words lower-cased, quoted
   * identifiers kept quoted, every string and number literal replaced by {@code ?}. Statements
   * that differ only in literal values share a fingerprint, and nothing else does.
   */
  public static String fingerprint(List<SqlToken> tokens) {
    StringBuilder b = new StringBuilder(tokens.size() * 6);
    for (SqlToken t : tokens) {
      if (!b.isEmpty()) {
        b.append(' ');
      }
      switch (t.type()) {
        case STRING, NUMBER -> b.append('?');
        case QUOTED_IDENTIFIER -> b.append('"').append(t.text().replace("\"", "\"\"")).append('"');
        default -> b.append(t.text());
      }
    }
    return b.toString();
  }

  private static char next(String s, int i) {
    return i + 1 < s.length() ? s.charAt(i + 1) : 0;
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

  private static int blockCommentEnd(String s, int i) throws LexException {
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
  private static int quotedEnd(String s, int open, char quote, boolean backslashEscapes) throws LexException {
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
