package dev.pgwarden.database.sql;

/** Quoting for the identifiers and literals pgwarden writes into DDL, which takes no bind parameters. */
public final class Sql {
    private Sql() {}

    public static String ident(String name) {
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("identifier contains a NUL byte");
        }
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** {@code "schema"."name"}, as the ACL and catalog queries of both walls name a relation. */
    public static String qualified(String schema, String name) {
        return ident(schema) + "." + ident(name);
    }

    public static String literal(String text) {
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("literal contains a NUL byte");
        }
        return "'" + text.replace("'", "''") + "'";
    }
}
