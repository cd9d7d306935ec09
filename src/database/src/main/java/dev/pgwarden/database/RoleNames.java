package dev.pgwarden.database;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The PostgreSQL role names of one policy. A DBA reading {@code pg_roles} should see which policy a
 * role belongs to, so names start with the namespace and policy name; a hash of both keeps two
 * policies whose names sanitize alike apart, and everything fits PostgreSQL's 63-byte limit.
 *
 * @param group the NOLOGIN role holding the grants, e.g. {@code pgw_agents_analytics_1a2b3c4d}
 * @param owner the comment pgwarden puts on the group when it creates it, e.g.
 *     {@code pgwarden policy agents/analytics}: a role of that name without it (made by a DBA, or
 *     by another policy whose name hashes alike) is never adopted, granted to or dropped
 */
public record RoleNames(String group, String owner) {
    private static final int READABLE = 36;
    private static final SecureRandom RANDOM = new SecureRandom();

    public static RoleNames of(String namespace, String policy) {
        String readable = (namespace + "_" + policy).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (readable.length() > READABLE) {
            readable = readable.substring(0, READABLE);
        }
        return new RoleNames(
                "pgw_" + readable + "_" + shortHash(namespace + "/" + policy),
                "pgwarden policy " + namespace + "/" + policy);
    }

    /** Login roles are the group's name plus when they were minted, so they sort by age. */
    public String loginPrefix() {
        return group + "_";
    }

    /** A new login role name: seconds since the epoch in base 36, plus two random characters against same-second mints. */
    public String newLogin(Instant now) {
        String suffix = Long.toString(now.getEpochSecond(), 36) + Integer.toString(36 + RANDOM.nextInt(36 * 35), 36);
        return loginPrefix() + suffix.substring(0, Math.min(suffix.length(), 9));
    }

    public boolean isLogin(String role) {
        return role.startsWith(loginPrefix()) && role.length() > loginPrefix().length();
    }

    /** Eight hex digits of the SHA-256 of {@code text}: enough to keep names of one database apart. */
    public static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
