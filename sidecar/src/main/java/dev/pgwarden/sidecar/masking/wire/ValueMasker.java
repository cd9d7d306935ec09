package dev.pgwarden.sidecar.masking.wire;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns one column value into its masked form, valid for the column's type and format, so that
 * clients keep decoding results as they would unmasked. A type that cannot carry a strategy gets
 * NULL: a marker in an integer column would break the client, a made-up number would lie.
 *
 * <ul>
 *   <li>{@code redact}: {@value #MARKER} in text-like columns (a JSON string in json/jsonb);
 *       NULL in others.
 *   <li>{@code partial}: for text-like columns, the domain of an email ({@code ****@example.com}),
 *       otherwise the last four characters of values of at least ten ({@code ****6789}), else
 *       {@code ****}; NULL in others.
 *   <li>{@code hash}: HMAC-SHA256 with the policy's key over the value's text form, so equal
 *       values mask equally in text and binary results: {@code hmac:} and 24 hex digits in
 *       text-like columns, a number from the digest in integer columns, a UUID in uuid columns,
 *       the digest in bytea; NULL in others.
 *   <li>{@code null}: NULL.
 * </ul>
 *
 * A NULL value stays NULL whatever the strategy. Not thread-safe (one per session).
 */
public final class ValueMasker {
    static final String MARKER = "[redacted]";
    private static final byte[] MARKER_BYTES = MARKER.getBytes(StandardCharsets.UTF_8);
    private static final byte[] MARKER_JSON = ("\"" + MARKER + "\"").getBytes(StandardCharsets.UTF_8);

    /** Type OIDs from pg_type.h; stable across PostgreSQL versions. */
    static final int BYTEA = 17;

    static final int CHAR = 18;
    static final int NAME = 19;
    static final int INT8 = 20;
    static final int INT2 = 21;
    static final int INT4 = 23;
    static final int TEXT = 25;
    static final int JSON = 114;
    static final int UNKNOWN = 705;
    static final int BPCHAR = 1042;
    static final int VARCHAR = 1043;
    static final int UUID_TYPE = 2950;
    static final int JSONB = 3802;

    private final Mac mac;

    /** @param key the policy's masking key; null when no rule hashes (hash then fails closed to NULL) */
    public ValueMasker(byte[] key) {
        if (key == null) {
            mac = null;
            return;
        }
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /**
     * @param value the value's bytes as the server sent them (never SQL NULL)
     * @param binary the column is in binary format
     * @return the masked bytes, or null for SQL NULL
     */
    byte[] mask(MaskStrategy strategy, int typeOid, boolean binary, byte[] value) {
        return switch (strategy) {
            case NULL -> null;
            case REDACT -> redact(typeOid, binary);
            case PARTIAL -> partial(typeOid, binary, value);
            case HASH -> hash(typeOid, binary, value);
        };
    }

    private static boolean textLike(int typeOid) {
        return typeOid == TEXT || typeOid == VARCHAR || typeOid == BPCHAR || typeOid == NAME || typeOid == UNKNOWN;
    }

    private static byte[] redact(int typeOid, boolean binary) {
        if (textLike(typeOid)) {
            return MARKER_BYTES;
        }
        if (typeOid == JSON || typeOid == JSONB && !binary) {
            return MARKER_JSON;
        }
        if (typeOid == JSONB) {
            return jsonbBinary(MARKER_JSON);
        }
        return null;
    }

    private static byte[] partial(int typeOid, boolean binary, byte[] value) {
        if (!textLike(typeOid)) {
            // A part of a JSON document or of a number is not a documented, safe part.
            return redact(typeOid, binary);
        }
        return partialUtf8(value);
    }

    private static final byte[] STARS = {'*', '*', '*', '*'};

    /**
     * {@link #partialText} on UTF-8 bytes, without decoding: '@' never occurs inside a multi-byte
     * sequence, and a character starts at every byte that is not a continuation byte (10xxxxxx).
     */
    static byte[] partialUtf8(byte[] v) {
        int keepFrom = -1;
        for (int i = v.length - 2; i > 0; i--) {
            if (v[i] == '@') {
                keepFrom = i;
                break;
            }
        }
        if (keepFrom < 0) {
            int chars = 0;
            int fourthLast = -1;
            for (int i = v.length - 1; i >= 0; i--) {
                if ((v[i] & 0xC0) != 0x80) {
                    chars++;
                    if (chars == 4) {
                        fourthLast = i;
                    }
                }
            }
            keepFrom = chars >= 10 ? fourthLast : v.length;
        }
        byte[] out = new byte[4 + v.length - keepFrom];
        System.arraycopy(STARS, 0, out, 0, 4);
        System.arraycopy(v, keepFrom, out, 4, v.length - keepFrom);
        return out;
    }

    static String partialText(String v) {
        int at = v.lastIndexOf('@');
        if (at > 0 && at < v.length() - 1) {
            return "****" + v.substring(at);
        }
        int chars = v.codePointCount(0, v.length());
        if (chars >= 10) {
            return "****" + v.substring(v.offsetByCodePoints(0, chars - 4));
        }
        return "****";
    }

    private byte[] hash(int typeOid, boolean binary, byte[] value) {
        if (mac == null) {
            return null;
        }
        byte[] canonical = canonicalText(typeOid, binary, value);
        if (canonical == null) {
            return null;
        }
        byte[] digest = mac.doFinal(canonical);
        if (textLike(typeOid)) {
            return ("hmac:" + HexFormat.of().formatHex(digest, 0, 12)).getBytes(StandardCharsets.UTF_8);
        }
        ByteBuffer d = ByteBuffer.wrap(digest);
        return switch (typeOid) {
            case INT8 ->
                binary ? ByteBuffer.allocate(8).putLong(d.getLong()).array() : ascii(Long.toString(d.getLong()));
            case INT4 ->
                binary ? ByteBuffer.allocate(4).putInt(d.getInt()).array() : ascii(Integer.toString(d.getInt()));
            case INT2 ->
                binary ? ByteBuffer.allocate(2).putShort(d.getShort()).array() : ascii(Short.toString(d.getShort()));
            case UUID_TYPE ->
                binary ? java.util.Arrays.copyOf(digest, 16) : ascii(new UUID(d.getLong(), d.getLong()).toString());
            case BYTEA -> binary ? digest : ascii("\\x" + HexFormat.of().formatHex(digest));
            default -> null;
        };
    }

    /** The value as PostgreSQL prints it in text format, whatever format it arrived in. */
    private static byte[] canonicalText(int typeOid, boolean binary, byte[] v) {
        if (!binary || textLike(typeOid)) {
            return v;
        }
        ByteBuffer b = ByteBuffer.wrap(v);
        return switch (typeOid) {
            case INT8 -> v.length == 8 ? ascii(Long.toString(b.getLong())) : null;
            case INT4 -> v.length == 4 ? ascii(Integer.toString(b.getInt())) : null;
            case INT2 -> v.length == 2 ? ascii(Short.toString(b.getShort())) : null;
            case UUID_TYPE -> v.length == 16 ? ascii(new UUID(b.getLong(), b.getLong()).toString()) : null;
            case BYTEA -> ascii("\\x" + HexFormat.of().formatHex(v));
            default -> null;
        };
    }

    private static byte[] jsonbBinary(byte[] text) {
        byte[] out = new byte[text.length + 1];
        out[0] = 1;
        System.arraycopy(text, 0, out, 1, text.length);
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
