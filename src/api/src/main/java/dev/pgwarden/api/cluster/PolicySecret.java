package dev.pgwarden.api.cluster;

/**
 * The Secret that carries a policy from the operator to its sidecars: the operator writes it, the
 * webhook mounts it into the sidecar only, the sidecar reads it as a directory. One definition of
 * its name and keys, so the three cannot drift apart.
 */
public final class PolicySecret {
    /** The DatabaseAccessPolicy as YAML, without its status. */
    public static final String POLICY = "policy.yaml";
    /** The current short-lived LOGIN role. */
    public static final String USERNAME = "username";

    public static final String PASSWORD = "password";
    /** RFC 3339 instant of the role's VALID UNTIL. */
    public static final String EXPIRES_AT = "expiresAt";
    /** Keys the audit chain's HMAC; kept across rotations; what {@code pgwarden audit verify --key-file} needs. */
    public static final String AUDIT_KEY = "audit.key";
    /** Keys hash masking; kept across rotations. */
    public static final String MASK_KEY = "mask.key";

    private PolicySecret() {}

    /** The Secret's name in the policy's namespace. */
    public static String name(String policy) {
        return "pgwarden-" + policy;
    }
}
