package dev.pgwarden.database.masking;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A policy's {@code hash} key in the form the SQL functions use it: HMAC-SHA256 is
 * {@code sha256(opad || sha256(ipad || message))}, and PostgreSQL has {@code sha256()} built in but
 * no HMAC without pgcrypto, so the two 64-byte blocks are computed here once and stored in the
 * policy's key table. The blocks are as secret as the key (either one gives the key).
 */
public final class MaskKey {
    private static final int BLOCK = 64;
    private static final int MIN_SECRET = 32;

    private final byte[] ipad;
    private final byte[] opad;

    private MaskKey(byte[] key) {
        if (key.length > BLOCK) {
            throw new IllegalArgumentException(
                    "an HMAC-SHA256 key of more than 64 bytes is hashed first; pgwarden's are 32");
        }
        ipad = new byte[BLOCK];
        opad = new byte[BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            byte k = i < key.length ? key[i] : 0;
            ipad[i] = (byte) (k ^ 0x36);
            opad[i] = (byte) (k ^ 0x5c);
        }
    }

    /**
     * The key of policy {@code policyName} from the masking secret (the {@code mask.key} file or
     * Secret key): {@code HMAC-SHA256(secret, "pgwarden-mask/" + policyName)}, as the proxy derives
     * it, so both walls give a value the same hash and hashes of two policies never match.
     */
    public static MaskKey derive(byte[] secret, String policyName) {
        if (secret.length < MIN_SECRET) {
            throw new IllegalArgumentException(
                    "the masking key holds " + secret.length + " bytes; it needs at least 32 random bytes");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return new MaskKey(mac.doFinal(("pgwarden-mask/" + policyName).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** A key already derived for one policy (32 bytes from {@link #derive}, or the proxy's). */
    public static MaskKey ofPolicyKey(byte[] policyKey) {
        return new MaskKey(policyKey.clone());
    }

    byte[] ipad() {
        return ipad.clone();
    }

    byte[] opad() {
        return opad.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaskKey other && MessageDigest.isEqual(ipad, other.ipad);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ipad);
    }

    /** Never the bytes: a key must not reach a log through a record's or a report's toString. */
    @Override
    public String toString() {
        return "MaskKey[hidden]";
    }
}
