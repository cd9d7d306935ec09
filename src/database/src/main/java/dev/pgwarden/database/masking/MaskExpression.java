package dev.pgwarden.database.masking;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.database.sql.Sql;

/**
 * The select-list entry of one masked column in a masking view: the strategy's function for the
 * column's type family, cast back to the column's type so that clients see the type they saw
 * before. The cast names the base type without a modifier, so a {@code varchar(5)} column shows
 * {@code [redacted]} whole instead of truncated, and a domain's checks cannot fail on a mask.
 * Where the proxy masks a type to NULL, so does the view.
 */
final class MaskExpression {
    /** Type oids from pg_type.dat; stable across PostgreSQL versions. */
    private static final long BYTEA = 17;

    private static final long NAME = 19;
    private static final long INT8 = 20;
    private static final long INT2 = 21;
    private static final long INT4 = 23;
    private static final long TEXT = 25;
    private static final long JSON = 114;
    private static final long BPCHAR = 1042;
    private static final long VARCHAR = 1043;
    private static final long UUID = 2950;
    private static final long JSONB = 3802;

    private MaskExpression() {}

    /**
     * @param column the column, read from table alias {@code t}
     * @param functionSchema where the masking functions and the key table are
     */
    static String of(Relation.Column column, MaskStrategy strategy, String functionSchema) {
        String fn = Sql.ident(functionSchema) + ".";
        String value = "t." + Sql.ident(column.name());
        long type = column.type();
        String masked =
                switch (strategy) {
                    case NULL -> null;
                    case REDACT -> redact(fn, value, type);
                    case PARTIAL ->
                        textLike(type) ? fn + "partial(" + textForm(value, type) + ")" : redact(fn, value, type);
                    case HASH -> hash(fn, value, type, functionSchema);
                };
        if (masked == null) {
            return "NULL::" + column.typeName() + " AS " + Sql.ident(column.name());
        }
        String collate = column.collation().isEmpty() ? "" : " COLLATE " + column.collation();
        return "(" + masked + ")::" + column.typeName() + collate + " AS " + Sql.ident(column.name());
    }

    private static boolean textLike(long type) {
        return type == TEXT || type == VARCHAR || type == BPCHAR || type == NAME;
    }

    private static String redact(String fn, String value, long type) {
        if (textLike(type)) {
            return fn + "redact(" + value + "::pg_catalog.text)";
        }
        if (type == JSON) {
            return fn + "redact_json(" + value + ")";
        }
        if (type == JSONB) {
            return fn + "redact_jsonb(" + value + ")";
        }
        return null;
    }

    private static String hash(String fn, String value, long type, String functionSchema) {
        String key = ", " + KeyTable.read(functionSchema, "ipad") + ", " + KeyTable.read(functionSchema, "opad") + ")";
        if (textLike(type)) {
            return fn + "hash_text(" + textForm(value, type) + key;
        }
        if (type == INT8) {
            return fn + "hash_int8(" + value + key;
        }
        if (type == INT4) {
            return fn + "hash_int4(" + value + key;
        }
        if (type == INT2) {
            return fn + "hash_int2(" + value + key;
        }
        if (type == UUID) {
            return fn + "hash_uuid(" + value + key;
        }
        if (type == BYTEA) {
            return fn + "hash_bytea(" + value + key;
        }
        return null;
    }

    /**
     * The text a client receives for a text-like value: {@code char(n)} keeps its padding (a cast
     * to text would strip it). The column's collation does not reach the functions' pattern matches
     * and searches (a nondeterministic one would make PostgreSQL refuse them): the functions' bodies
     * were parsed with the database's default collation, and inlining keeps it.
     */
    private static String textForm(String value, long type) {
        return type == BPCHAR
                ? "pg_catalog.textin(pg_catalog.bpcharout(" + value + "))"
                : type == TEXT ? value : value + "::pg_catalog.text";
    }
}
