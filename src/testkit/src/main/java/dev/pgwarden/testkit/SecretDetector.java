package dev.pgwarden.testkit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Finds secrets in whatever a client, an audit line or a recording shows, in the forms a leak
 * takes when an agent transforms a value before reading it: any letter case, reversed, as hex,
 * base64, an MD5 or SHA-256 hex digest, or its digits without separators. A masking test that
 * only looked for the value as stored would pass while {@code upper(email)} leaked.
 */
public final class SecretDetector {
    /** Shorter needles (a base64 run, a digit string) would match by chance. */
    private static final int MIN_NEEDLE = 6;

    /** One form of one secret; {@code caseSensitive} for base64, whose letters' case is data. */
    public record Form(String secret, String how, String needle, boolean caseSensitive) {}

    private final List<Form> forms;

    private SecretDetector(List<Form> forms) {
        this.forms = List.copyOf(forms);
    }

    public static SecretDetector of(Collection<String> secrets) {
        List<Form> forms = new ArrayList<>();
        for (String secret : secrets) {
            Set<String> spellings = new LinkedHashSet<>(
                    List.of(secret, secret.toLowerCase(Locale.ROOT), secret.toUpperCase(Locale.ROOT)));
            for (String s : spellings) {
                String reversed = new StringBuilder(s).reverse().toString();
                add(forms, secret, "as is", s, false);
                add(forms, secret, "reversed", reversed, false);
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                add(forms, secret, "hex", HexFormat.of().formatHex(utf8), false);
                add(
                        forms,
                        secret,
                        "reversed hex",
                        HexFormat.of().formatHex(reversed.getBytes(StandardCharsets.UTF_8)),
                        false);
                for (int offset = 0; offset < 3; offset++) {
                    add(forms, secret, "base64", base64Core(utf8, offset, Base64.getEncoder()), true);
                    add(forms, secret, "base64url", base64Core(utf8, offset, Base64.getUrlEncoder()), true);
                }
                add(forms, secret, "md5", digest("MD5", utf8), false);
                add(forms, secret, "sha256", digest("SHA-256", utf8), false);
            }
            String digits = secret.replaceAll("[^0-9]", "");
            if (!digits.equals(secret)) {
                add(forms, secret, "digits", digits, false);
            }
        }
        return new SecretDetector(forms);
    }

    private static void add(List<Form> forms, String secret, String how, String needle, boolean caseSensitive) {
        if (needle.length() >= MIN_NEEDLE) {
            forms.add(new Form(secret, how, caseSensitive ? needle : needle.toLowerCase(Locale.ROOT), caseSensitive));
        }
    }

    /**
     * The base64 characters that only the secret's bytes decide, when it starts {@code offset}
     * bytes into the encoded data: what shows however the value was framed before encoding.
     */
    private static String base64Core(byte[] secret, int offset, Base64.Encoder encoder) {
        byte[] framed = new byte[offset + secret.length];
        System.arraycopy(secret, 0, framed, offset, secret.length);
        String encoded = encoder.withoutPadding().encodeToString(framed);
        int firstGroup = offset == 0 ? 0 : 1;
        int lastGroup = framed.length / 3; // groups wholly inside the data
        if (lastGroup <= firstGroup) {
            return "";
        }
        return encoded.substring(firstGroup * 4, lastGroup * 4);
    }

    private static String digest(String algorithm, byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first form of a secret found in {@code anything}'s text. */
    public Optional<Form> find(Object anything) {
        String text = String.valueOf(anything);
        String lower = text.toLowerCase(Locale.ROOT);
        for (Form f : forms) {
            if ((f.caseSensitive() ? text : lower).contains(f.needle())) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** Fails when any form of any secret shows in {@code anything}. */
    public void assertAbsent(String where, Object anything) {
        find(anything).ifPresent(f -> {
            throw new AssertionError(
                    "leaked " + f.secret() + " (" + f.how() + ": " + f.needle() + ") in " + where + ": " + anything);
        });
    }
}
