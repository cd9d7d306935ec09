package dev.pgwarden.database.masking;

import dev.pgwarden.database.sql.Sql;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The SQL functions the masking views call, one per strategy and type family, written to give
 * exactly what the proxy's masking gives for the same value (see the proxy's ValueMasker).
 *
 * <p>Every function is a single {@code RETURN} expression, so PostgreSQL inlines it into the
 * view's query: the cost is that of the expression, with no function call per row. The body is
 * parsed when the function is created (with search_path {@code pg_catalog}, and every function
 * named with its schema), so no object the agent creates later can take the place of one it calls.
 * (An operator written {@code OPERATOR(pg_catalog.x)} binds like any other operator, tighter than
 * comparisons: mind the parentheses.)
 * No function is STRICT (inlining would then need a strict body) and none has a SET clause (that
 * prevents inlining); NULL in gives NULL out by the expressions themselves. They are IMMUTABLE in
 * a UTF8 database; elsewhere {@code convert_to} (STABLE) makes them STABLE, which still inlines.
 *
 * <p>The key reaches {@code hash} as two arguments ({@code ipad}, {@code opad}) that the view
 * reads from the key table with scalar subqueries, evaluated once per query; no definition holds
 * key bytes. The text the proxy hashes is the value's text form as the client receives it:
 * {@code char(n)} padded, bytea as {@code \x} and lowercase hex whatever {@code bytea_output} says.
 */
final class MaskFunctions {
    static final String REDACTED = "[redacted]";

    private MaskFunctions() {}

    /** The statements creating (or replacing) the functions in {@code schema}, in dependency order. */
    static List<String> ddl(String schema, boolean utf8Database) {
        String s = Sql.ident(schema);
        String volatility = utf8Database ? "IMMUTABLE" : "STABLE";
        // Raw UTF-8 bytes of a text: decode(..., 'escape') copies every byte but backslash sequences,
        // so doubling the backslashes first makes it the identity, and both are IMMUTABLE (convert_to is not).
        String utf8 = utf8Database
                ? "pg_catalog.decode(pg_catalog.replace(v, E'\\\\', E'\\\\\\\\'), 'escape')"
                : "pg_catalog.convert_to(v, 'UTF8')";
        return List.of(
                function(s, "utf8(v pg_catalog.text)", "pg_catalog.bytea", volatility, utf8),
                function(
                        s,
                        "hmac(message pg_catalog.bytea, ipad pg_catalog.bytea, opad pg_catalog.bytea)",
                        "pg_catalog.bytea",
                        volatility,
                        "pg_catalog.sha256(opad OPERATOR(pg_catalog.||) pg_catalog.sha256(ipad OPERATOR(pg_catalog.||) message))"),
                function(
                        s,
                        "redact(v pg_catalog.text)",
                        "pg_catalog.text",
                        volatility,
                        "CASE WHEN v IS NULL THEN NULL ELSE " + Sql.literal(REDACTED) + "::pg_catalog.text END"),
                function(
                        s,
                        "redact_json(v pg_catalog.json)",
                        "pg_catalog.json",
                        volatility,
                        "CASE WHEN v IS NULL THEN NULL ELSE " + Sql.literal("\"" + REDACTED + "\"")
                                + "::pg_catalog.json END"),
                function(
                        s,
                        "redact_jsonb(v pg_catalog.jsonb)",
                        "pg_catalog.jsonb",
                        volatility,
                        "CASE WHEN v IS NULL THEN NULL ELSE " + Sql.literal("\"" + REDACTED + "\"")
                                + "::pg_catalog.jsonb END"),
                // An email keeps its domain: from the last '@' that has a character before and after it;
                // else the last four characters of a value of at least ten. LIKE and split_part find the
                // common cases several times faster than a pattern: an '@' after the first character in a
                // value not ending in '@' makes the last '@' the one. Only a value that ends in '@' and
                // holds another needs the pattern, whose greedy '^.+' finds the last '@' before the end.
                function(
                        s,
                        "partial(v pg_catalog.text)",
                        "pg_catalog.text",
                        volatility,
                        "'****'::pg_catalog.text OPERATOR(pg_catalog.||) CASE"
                                + " WHEN v OPERATOR(pg_catalog.~~) '_%@%'::pg_catalog.text"
                                + " AND v OPERATOR(pg_catalog.!~~) '%@'::pg_catalog.text"
                                + " THEN '@'::pg_catalog.text OPERATOR(pg_catalog.||) pg_catalog.split_part(v, '@'::pg_catalog.text, -1)"
                                + " WHEN v OPERATOR(pg_catalog.~~) '_%@_%'::pg_catalog.text"
                                + " THEN pg_catalog.\"substring\"(v, '^.+(@.+)$'::pg_catalog.text)"
                                + " WHEN pg_catalog.length(v) OPERATOR(pg_catalog.>=) 10 THEN pg_catalog.\"right\"(v, 4)"
                                + " WHEN v IS NOT NULL THEN ''::pg_catalog.text END"),
                function(
                        s,
                        "hash_text(v pg_catalog.text, ipad pg_catalog.bytea, opad pg_catalog.bytea)",
                        "pg_catalog.text",
                        volatility,
                        "'hmac:'::pg_catalog.text OPERATOR(pg_catalog.||) pg_catalog.encode(pg_catalog.substr("
                                + digest(s, "v") + ", 1, 12), 'hex')"),
                function(
                        s,
                        "hash_int8(v pg_catalog.int8, ipad pg_catalog.bytea, opad pg_catalog.bytea)",
                        "pg_catalog.int8",
                        volatility,
                        leadingBits(s, 8, 64) + "::pg_catalog.int8"),
                function(
                        s,
                        "hash_int4(v pg_catalog.int4, ipad pg_catalog.bytea, opad pg_catalog.bytea)",
                        "pg_catalog.int4",
                        volatility,
                        leadingBits(s, 4, 32) + "::pg_catalog.int4"),
                // Two bytes put in the high half of an int4, then shifted down: the shift keeps the sign.
                function(
                        s,
                        "hash_int2(v pg_catalog.int2, ipad pg_catalog.bytea, opad pg_catalog.bytea)",
                        "pg_catalog.int2",
                        volatility,
                        "((('x'::pg_catalog.text OPERATOR(pg_catalog.||) pg_catalog.encode(pg_catalog.substr("
                                + digest(s, "v::pg_catalog.text")
                                + ", 1, 2), 'hex') OPERATOR(pg_catalog.||) '0000'::pg_catalog.text)"
                                + "::pg_catalog.\"bit\"(32)::pg_catalog.int4) OPERATOR(pg_catalog.>>) 16)::pg_catalog.int2"),
                function(
                        s,
                        "hash_uuid(v pg_catalog.uuid, ipad pg_catalog.bytea, opad pg_catalog.bytea)",
                        "pg_catalog.uuid",
                        volatility,
                        "pg_catalog.encode(pg_catalog.substr(" + digest(s, "v::pg_catalog.text") + ", 1, 16), 'hex')"
                                + "::pg_catalog.uuid"),
                function(
                        s,
                        "hash_bytea(v pg_catalog.bytea, ipad pg_catalog.bytea, opad pg_catalog.bytea)",
                        "pg_catalog.bytea",
                        volatility,
                        digest(s, "(E'\\\\x'::pg_catalog.text OPERATOR(pg_catalog.||) pg_catalog.encode(v, 'hex'))")));
    }

    /** The statements' fingerprint, kept in the function schema's comment: equal means nothing to replace. */
    static String version(List<String> ddl) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String statement : ddl) {
                sha.update(statement.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The signatures, for GRANT and REVOKE. */
    static List<String> signatures(String schema) {
        String s = Sql.ident(schema);
        return List.of(
                s + ".utf8(pg_catalog.text)",
                s + ".hmac(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.bytea)",
                s + ".redact(pg_catalog.text)",
                s + ".redact_json(pg_catalog.json)",
                s + ".redact_jsonb(pg_catalog.jsonb)",
                s + ".partial(pg_catalog.text)",
                s + ".hash_text(pg_catalog.text, pg_catalog.bytea, pg_catalog.bytea)",
                s + ".hash_int8(pg_catalog.int8, pg_catalog.bytea, pg_catalog.bytea)",
                s + ".hash_int4(pg_catalog.int4, pg_catalog.bytea, pg_catalog.bytea)",
                s + ".hash_int2(pg_catalog.int2, pg_catalog.bytea, pg_catalog.bytea)",
                s + ".hash_uuid(pg_catalog.uuid, pg_catalog.bytea, pg_catalog.bytea)",
                s + ".hash_bytea(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.bytea)");
    }

    /** HMAC-SHA256 of the UTF-8 bytes of {@code text}, with the function's ipad and opad arguments. */
    private static String digest(String schema, String text) {
        return schema + ".hmac(" + schema + ".utf8(" + text + "), ipad, opad)";
    }

    /** The digest's first {@code bytes} bytes, big-endian, as a {@code bit(bits)}. */
    private static String leadingBits(String schema, int bytes, int bits) {
        return "('x'::pg_catalog.text OPERATOR(pg_catalog.||) pg_catalog.encode(pg_catalog.substr("
                + digest(schema, "v::pg_catalog.text") + ", 1, " + bytes + "), 'hex'))::pg_catalog.\"bit\"(" + bits
                + ")";
    }

    private static String function(String schema, String signature, String returns, String volatility, String body) {
        return "CREATE OR REPLACE FUNCTION " + schema + "." + signature + " RETURNS " + returns + " LANGUAGE sql "
                + volatility + " PARALLEL SAFE RETURN " + body;
    }
}
