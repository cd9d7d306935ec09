package dev.pgwarden.database.masking;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Looks for secrets in what the agent saw, case-insensitively and transformed: reversed, as hex
 * of their UTF-8 bytes, and for whole values also as base64, MD5 and SHA-256 hex. Key material is
 * looked for as hex.
 */
final class SecretDetector {
    private final List<String> patterns = new ArrayList<>();

    /** A part of a secret value that no mask shows (the local part of an email, a whole SSN). */
    SecretDetector fragment(String fragment) {
        String f = fragment.toLowerCase(Locale.ROOT);
        patterns.add(f);
        patterns.add(new StringBuilder(f).reverse().toString());
        patterns.add(HexFormat.of().formatHex(fragment.getBytes(StandardCharsets.UTF_8)));
        return this;
    }

    /** A whole secret value: its digests and encodings too. */
    SecretDetector value(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        patterns.add(Base64.getEncoder().encodeToString(bytes).toLowerCase(Locale.ROOT));
        patterns.add(digest("MD5", bytes));
        patterns.add(digest("SHA-256", bytes));
        return this;
    }

    /** Key bytes, as any hex rendering would show them. */
    SecretDetector key(byte[] key) {
        patterns.add(HexFormat.of().formatHex(key));
        return this;
    }

    /** The first pattern found in any of the texts, with the text. */
    Optional<String> find(List<String> seen) {
        for (String text : seen) {
            if (text == null) {
                continue;
            }
            String t = text.toLowerCase(Locale.ROOT);
            for (String p : patterns) {
                if (t.contains(p)) {
                    return Optional.of("'" + p + "' in: " + text);
                }
            }
        }
        return Optional.empty();
    }

    private static String digest(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
