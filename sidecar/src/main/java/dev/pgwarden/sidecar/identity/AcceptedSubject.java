package dev.pgwarden.sidecar.identity;

import java.util.List;

/**
 * One identity a policy lets in, resolved to the issuer whose keys sign its tokens.
 *
 * @param serviceAccount for Kubernetes subjects, the required {@code namespace/name}; else null
 * @param groups for OIDC subjects, at least one must be in the token; empty means any
 * @param jwksUri keys location, or null to find it through the issuer's discovery document
 */
public record AcceptedSubject(
        String issuer, String audience, String serviceAccount, List<String> groups, String jwksUri) {

    public static AcceptedSubject anyFrom(String issuer, String audience) {
        return new AcceptedSubject(issuer, audience, null, List.of(), null);
    }

    public String describe() {
        if (serviceAccount != null) {
            return "service account " + serviceAccount;
        }
        return groups.isEmpty() ? "any subject of " + issuer : "members of " + groups + " at " + issuer;
    }
}
