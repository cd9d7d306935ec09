package dev.pgwarden.operator.policy;

import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.cluster.PolicySecret;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Secret the injected sidecar mounts: the policy, the current role and the keys of the audit
 * chain and hash masking. One Secret, so the kubelet swaps policy and credentials together.
 */
public final class CredentialsSecret {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int KEY_BYTES = 48;

    private CredentialsSecret() {}

    public static String name(String policy) {
        return PolicySecret.name(policy);
    }

    /** The credential a Secret currently hands out, or null when it holds none. */
    public record Issued(String username, String password, Instant expiresAt) {
        @Override
        public String toString() {
            return "Issued[username=" + username + ", password=***, expiresAt=" + expiresAt + "]";
        }
    }

    public static boolean managedByUs(Secret secret) {
        Map<String, String> labels = secret.getMetadata().getLabels();
        return labels != null && PgwardenLabels.MANAGED_BY_PGWARDEN.equals(labels.get(PgwardenLabels.MANAGED_BY));
    }

    public static Issued issued(Secret secret) {
        if (secret == null || secret.getData() == null) {
            return null;
        }
        String username = decode(secret, PolicySecret.USERNAME);
        String password = decode(secret, PolicySecret.PASSWORD);
        String expires = decode(secret, PolicySecret.EXPIRES_AT);
        if (username == null || password == null || expires == null) {
            return null;
        }
        try {
            return new Issued(username, password, Instant.parse(expires));
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** The policy the Secret carries, or null when it carries none that reads. */
    public static DatabaseAccessPolicy carriedPolicy(Secret secret, KubernetesSerialization serialization) {
        String yaml = secret.getData() == null ? null : decode(secret, PolicySecret.POLICY);
        if (yaml == null) {
            return null;
        }
        try {
            return serialization.unmarshal(yaml, DatabaseAccessPolicy.class);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The Secret's keys, as its data holds them (base64): the ones {@code existing} holds, else new
     * random ones. Read before the database work, since the masking views hash with the same key.
     */
    public record Keys(String audit, String mask) {
        public static Keys of(Secret existing) {
            return new Keys(keep(existing, PolicySecret.AUDIT_KEY), keep(existing, PolicySecret.MASK_KEY));
        }

        /** The bytes the sidecar reads from its {@code mask.key} file. */
        public byte[] maskSecret() {
            return Base64.getDecoder().decode(mask);
        }

        @Override
        public String toString() {
            return "Keys[***]";
        }
    }

    /** The Secret as it should be, with {@code keys} (those of {@code existing}, or new ones). */
    public static Secret desired(
            DatabaseAccessPolicy policy,
            Issued issued,
            Keys keys,
            Secret existing,
            KubernetesSerialization serialization) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(PolicySecret.POLICY, encode(policyYaml(policy, serialization)));
        data.put(PolicySecret.USERNAME, encode(issued.username()));
        data.put(PolicySecret.PASSWORD, encode(issued.password()));
        data.put(PolicySecret.EXPIRES_AT, encode(issued.expiresAt().toString()));
        data.put(PolicySecret.AUDIT_KEY, keys.audit());
        data.put(PolicySecret.MASK_KEY, keys.mask());
        String name = policy.getMetadata().getName();
        ObjectMeta meta = new ObjectMetaBuilder()
                .withName(name(name))
                .withNamespace(policy.getMetadata().getNamespace())
                .addToLabels(PgwardenLabels.MANAGED_BY, PgwardenLabels.MANAGED_BY_PGWARDEN)
                .addToLabels(PgwardenLabels.POLICY, name)
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion(policy.getApiVersion())
                        .withKind(policy.getKind())
                        .withName(name)
                        .withUid(policy.getMetadata().getUid())
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())
                .build();
        if (existing != null) {
            meta.setResourceVersion(existing.getMetadata().getResourceVersion());
        }
        return new SecretBuilder()
                .withMetadata(meta)
                .withType("Opaque")
                .withData(data)
                .build();
    }

    /** Only what the sidecar needs: no status, no managed fields, no annotations that could carry anything else. */
    static String policyYaml(DatabaseAccessPolicy policy, KubernetesSerialization serialization) {
        DatabaseAccessPolicy clean = new DatabaseAccessPolicy();
        clean.setMetadata(new ObjectMetaBuilder()
                .withName(policy.getMetadata().getName())
                .withNamespace(policy.getMetadata().getNamespace())
                .withGeneration(policy.getMetadata().getGeneration())
                .build());
        clean.setSpec(policy.getSpec());
        return serialization.asYaml(clean);
    }

    public static boolean sameData(Secret a, Secret b) {
        return a != null
                && b != null
                && java.util.Objects.equals(a.getData(), b.getData())
                && java.util.Objects.equals(
                        a.getMetadata().getLabels(), b.getMetadata().getLabels());
    }

    private static String keep(Secret existing, String key) {
        if (existing != null && existing.getData() != null && existing.getData().get(key) != null) {
            return existing.getData().get(key);
        }
        byte[] bytes = new byte[KEY_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static String encode(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(Secret secret, String key) {
        String value = secret.getData().get(key);
        return value == null ? null : new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
    }
}
