package dev.pgwarden.database.masking;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The names of the schemas a policy's masking lives in, derived from the policy's group role:
 *
 * <ul>
 *   <li>one masking schema per source schema, holding the views the agent reads:
 *       {@code <group>_<8 hex digits of SHA-256(source schema)>}, e.g.
 *       {@code pgw_agents_analytics_1a2b3c4d_5e6f7a8b} for {@code public};
 *   <li>one function schema, holding the masking functions and the key, which only the admin
 *       reads: {@code <group>_mask}.
 * </ul>
 *
 * A hash rather than the source schema's name keeps every name within PostgreSQL's 63 bytes and
 * apart from each other whatever the schemas are called; the group's name first shows a DBA whose
 * schema it is. Where a name would pass 63 bytes the group part is shortened (at a character
 * boundary); which schema belongs to which group and source is also written in the schema's
 * comment and checked, so a clash is reported, never adopted.
 */
public final class MaskingSchemas {
    /**
     * The start of every masking view schema's comment, whatever the group. The proxy reads it too:
     * the views in such a schema (one the agent does not own) hold masked values already.
     */
    public static final String VIEW_SCHEMA_COMMENT = "pgwarden masking views of role ";

    /** PostgreSQL's NAMEDATALEN - 1. */
    static final int MAX_NAME_BYTES = 63;

    private MaskingSchemas() {}

    /** The schema holding the masking views of {@code sourceSchema}'s tables. */
    public static String viewSchema(String group, String sourceSchema) {
        return fit(group, "_" + shortHash(sourceSchema));
    }

    /** The schema holding the masking functions and the key table. */
    public static String functionSchema(String group) {
        return fit(group, "_mask");
    }

    private static String fit(String prefix, String suffix) {
        int budget = MAX_NAME_BYTES - suffix.getBytes(StandardCharsets.UTF_8).length;
        StringBuilder kept = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < prefix.length(); ) {
            int cp = prefix.codePointAt(i);
            int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size > budget) {
                break;
            }
            kept.appendCodePoint(cp);
            bytes += size;
            i += Character.charCount(cp);
        }
        return kept + suffix;
    }

    private static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
