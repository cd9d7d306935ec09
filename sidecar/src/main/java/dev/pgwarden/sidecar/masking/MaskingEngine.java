package dev.pgwarden.sidecar.masking;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.sidecar.masking.catalog.MaskCatalog;
import dev.pgwarden.sidecar.masking.plan.MaskPlanner;
import dev.pgwarden.sidecar.masking.plan.MaskRules;
import dev.pgwarden.sidecar.masking.wire.ValueMasker;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A policy's masking as every session of one proxy shares it: the rules, the catalog snapshot,
 * the planner and the hashing key. A policy without masking rules gets the disabled engine, and
 * sessions then skip every masking step.
 */
public final class MaskingEngine implements AutoCloseable {
    private static final MaskingEngine DISABLED = new MaskingEngine(new MaskRules(java.util.List.of()), null, null);

    private final MaskRules rules;
    private final byte[] hashKey;
    private final MaskCatalog catalog;
    private final MaskPlanner planner;
    private final MaskStrategy strictest;

    private MaskingEngine(MaskRules rules, byte[] hashKey, MaskCatalog catalog) {
        this.rules = rules;
        this.hashKey = hashKey;
        this.catalog = catalog;
        this.planner = new MaskPlanner(rules);
        this.strictest = rules.strictestDerived();
    }

    public static MaskingEngine disabled() {
        return DISABLED;
    }

    /**
     * @param keyFile the secret the hash strategy is keyed with; required when a rule hashes
     * @throws IllegalArgumentException when a rule hashes and there is no key
     */
    /** The least a hashing key may hold, as README and {@code --mask-key-file} ask. */
    static final int MIN_KEY_BYTES = 32;

    public static MaskingEngine start(MaskRules rules, String policyName, Path keyFile, UpstreamConfig upstream)
            throws IOException {
        return start(rules, policyName, keyFile, () -> upstream);
    }

    /** @param upstream read whenever the catalog connects, so it follows rotated credentials */
    public static MaskingEngine start(
            MaskRules rules, String policyName, Path keyFile, java.util.function.Supplier<UpstreamConfig> upstream)
            throws IOException {
        if (rules.isEmpty()) {
            return DISABLED;
        }
        byte[] key = null;
        if (keyFile != null) {
            byte[] secret = Files.readAllBytes(keyFile);
            if (rules.usesHash() && secret.length < MIN_KEY_BYTES) {
                // A short or empty file is a key anyone could guess: hashes keyed with it could be looked up.
                throw new IllegalArgumentException(
                        "the policy hashes masked columns, and the mask key file " + keyFile + " holds " + secret.length
                                + " bytes: it must hold at least " + MIN_KEY_BYTES + " random bytes");
            }
            key = policyKey(secret, policyName);
        } else if (rules.usesHash()) {
            throw new IllegalArgumentException("the policy hashes masked columns, and hashing needs a secret key:"
                    + " give one with --mask-key-file (a file of at least 32 random bytes)");
        }
        MaskCatalog catalog = new MaskCatalog(upstream, rules);
        catalog.start();
        return new MaskingEngine(rules, key, catalog);
    }

    /** Each policy hashes with its own key, so hashes from two policies cannot be matched. */
    static byte[] policyKey(byte[] secret, String policyName) {
        if (secret.length < 32) {
            throw new IllegalArgumentException(
                    "the masking key file holds " + secret.length + " bytes; it needs at least 32 random bytes");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(("pgwarden-mask/" + policyName).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    public boolean enabled() {
        return catalog != null;
    }

    public MaskCatalog catalog() {
        return catalog;
    }

    public MaskPlanner planner() {
        return planner;
    }

    /** The strategy for values whose origin is unknown. */
    public MaskStrategy strictest() {
        return strictest;
    }

    /** A masker for one session (it keeps a Mac, which is not thread-safe). */
    public ValueMasker newValueMasker() {
        return new ValueMasker(hashKey);
    }

    @Override
    public void close() {
        if (catalog != null) {
            catalog.close();
        }
    }
}
