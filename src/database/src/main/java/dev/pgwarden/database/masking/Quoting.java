package dev.pgwarden.database.masking;

/** Quoting for the identifiers and literals written into DDL, which takes no bind parameters. */
final class Quoting {
  private Quoting() {
  }

  static String ident(String name) {
    if (name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("identifier contains a NUL byte");
    }
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  static String qualified(String schema, String name) {
    return ident(schema) + "." + ident(name);
  }

  static String literal(String text) {
    if (text.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("literal contains a NUL byte");
    }
    return "'" + text.replace("'", "''") + "'";
  }
}
