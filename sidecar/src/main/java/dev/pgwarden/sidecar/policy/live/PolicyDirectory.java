package dev.pgwarden.sidecar.policy.live;

import dev.pgwarden.api.cluster.PolicySecret;
import dev.pgwarden.api.policy.InvalidPolicyException;
import dev.pgwarden.api.policy.PolicyLoader;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;

/**
 * The policy credentials Secret as the webhook mounts it into the sidecar: {@code policy.yaml},
 * {@code username}, {@code password}, {@code expiresAt}, {@code audit.key}, {@code mask.key}.
 * Kubelet updates such a volume by writing a new timestamped folder and swapping the {@code ..data}
 * symlink to it, so every file is read through one resolution of that link: all from the same
 * version, never the new policy with the old password.
 */
public final class PolicyDirectory {
    public static final String POLICY = PolicySecret.POLICY;
    public static final String USERNAME = PolicySecret.USERNAME;
    public static final String PASSWORD = PolicySecret.PASSWORD;
    public static final String EXPIRES_AT = PolicySecret.EXPIRES_AT;
    public static final String MASK_KEY = PolicySecret.MASK_KEY;
    private static final String[] WATCHED = {POLICY, USERNAME, PASSWORD, EXPIRES_AT, MASK_KEY};

    private final Path dir;

    public PolicyDirectory(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Path policyFile() {
        return dir.resolve(POLICY);
    }

    /**
     * One version of the files; a missing file reads as null.
     *
     * @param fingerprint changes whenever any watched file does
     */
    public record Contents(String fingerprint, String policyYaml, String username, String password, String expiresAt) {}

    /** Reads every file from one version of the volume. Blocking file I/O: never on an event loop. */
    public Contents read() throws IOException {
        Path from = version();
        MessageDigest digest = sha256();
        String[] texts = new String[WATCHED.length];
        for (int i = 0; i < WATCHED.length; i++) {
            byte[] bytes = readOrNull(from.resolve(WATCHED[i]));
            digest.update((WATCHED[i] + (bytes == null ? "\u0000absent" : "\u0000" + bytes.length + "\u0000"))
                    .getBytes(StandardCharsets.UTF_8));
            if (bytes != null) {
                digest.update(bytes);
                texts[i] = new String(bytes, StandardCharsets.UTF_8);
            }
        }
        return new Contents(HexFormat.of().formatHex(digest.digest()), texts[0], texts[1], texts[2], texts[3]);
    }

    /** The folder {@code ..data} points to now, or the directory itself when it is a plain one. */
    private Path version() throws IOException {
        Path data = dir.resolve("..data");
        if (Files.exists(data)) {
            return data.toRealPath();
        }
        return dir;
    }

    private static byte[] readOrNull(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The policy of this version, strictly validated as for a cluster (spec.database required). */
    public DatabaseAccessPolicy policy(Contents c) throws InvalidPolicyException, IOException {
        if (c.policyYaml() == null) {
            throw new NoSuchFileException(policyFile().toString(), null, "the policy file is missing");
        }
        return new PolicyLoader(PolicyValidator.Use.CLUSTER)
                .parse(c.policyYaml(), policyFile().toString());
    }

    /**
     * Where and as whom to connect: the database of {@code target}, the role of this version.
     *
     * @throws IllegalArgumentException naming the missing or malformed file
     */
    public UpstreamConfig upstream(DatabaseTarget target, Contents c) {
        String user = c.username() == null ? null : c.username().strip();
        if (user == null || user.isEmpty()) {
            throw new IllegalArgumentException(dir.resolve(USERNAME) + " is missing or empty");
        }
        if (c.password() == null) {
            throw new IllegalArgumentException(dir.resolve(PASSWORD) + " is missing");
        }
        return new UpstreamConfig(
                target.host(),
                target.portOrDefault(),
                target.name(),
                user,
                c.password().strip(),
                target.sslModeOrDefault(),
                null);
    }

    /** The role's expiry, or null when the file is absent; a malformed one is an error. */
    public Instant expiresAt(Contents c) {
        if (c.expiresAt() == null || c.expiresAt().isBlank()) {
            return null;
        }
        try {
            return Instant.parse(c.expiresAt().strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(dir.resolve(EXPIRES_AT) + " is not an RFC 3339 instant: "
                    + c.expiresAt().strip());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
