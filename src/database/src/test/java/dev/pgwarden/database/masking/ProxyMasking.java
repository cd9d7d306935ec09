package dev.pgwarden.database.masking;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What the proxy's masking (sidecar ValueMasker and MaskingEngine.policyKey) gives for a value in
 * text format, written out again here so that the database's masking is compared with the proxy's
 * rules rather than with itself: the masked text of a column of the given type, or null.
 */
final class ProxyMasking {
    private final byte[] key;

    ProxyMasking(byte[] secret, String policyName) {
        key = hmac(secret, ("pgwarden-mask/" + policyName).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param type the column's type as {@code format_type} names it without modifier
     * @param text the value as a text-format client receives it (char(n) padded, bytea in hex), never null
     */
    String mask(MaskStrategy strategy, String type, String text) {
        boolean textLike = type.equals("text")
                || type.equals("character varying")
                || type.equals("character")
                || type.equals("name");
        boolean json = type.equals("json") || type.equals("jsonb");
        return switch (strategy) {
            case NULL -> null;
            case REDACT -> textLike ? "[redacted]" : json ? "\"[redacted]\"" : null;
            case PARTIAL -> textLike ? partial(text.getBytes(StandardCharsets.UTF_8)) : json ? "\"[redacted]\"" : null;
            case HASH -> hash(type, textLike, text);
        };
    }

    private String hash(String type, boolean textLike, String text) {
        byte[] digest = hmac(key, text.getBytes(StandardCharsets.UTF_8));
        if (textLike) {
            return "hmac:" + HexFormat.of().formatHex(digest, 0, 12);
        }
        ByteBuffer d = ByteBuffer.wrap(digest);
        return switch (type) {
            case "bigint" -> Long.toString(d.getLong());
            case "integer" -> Integer.toString(d.getInt());
            case "smallint" -> Short.toString(d.getShort());
            case "uuid" -> new UUID(d.getLong(), d.getLong()).toString();
            case "bytea" -> "\\x" + HexFormat.of().formatHex(digest);
            default -> null;
        };
    }

    /**
     * The proxy's rule on the value's UTF-8 bytes: from the last '@' that has a byte before and
     * after it; else the last four characters of a value of at least ten; else nothing.
     */
    static String partial(byte[] v) {
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
                if ((v[i] & 0xC0) != 0x80 && ++chars == 4) {
                    fourthLast = i;
                }
            }
            keepFrom = chars >= 10 ? fourthLast : v.length;
        }
        return "****" + new String(v, keepFrom, v.length - keepFrom, StandardCharsets.UTF_8);
    }

    static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
