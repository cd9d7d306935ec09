package dev.pgwarden.sidecar.identity;

import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.Subject;
import java.util.ArrayList;
import java.util.List;

/** Resolves a policy's subjects to the issuers that vouch for them. */
public final class PolicySubjects {
    private PolicySubjects() {}

    /**
     * @param kubernetesIssuer the cluster's service-account token issuer, or null outside a cluster
     *     (service-account subjects then match nothing)
     * @param kubernetesJwksUri where the cluster publishes its keys, or null for discovery
     */
    public static List<AcceptedSubject> resolve(
            DatabaseAccessPolicy policy, String kubernetesIssuer, String kubernetesJwksUri) {
        List<AcceptedSubject> out = new ArrayList<>();
        for (Subject s : policy.getSpec().subjectsOrEmpty()) {
            if (s.serviceAccount() != null) {
                if (kubernetesIssuer != null) {
                    out.add(new AcceptedSubject(
                            kubernetesIssuer, s.audienceOrDefault(), s.serviceAccount(), List.of(), kubernetesJwksUri));
                }
            } else if (s.issuer() != null) {
                out.add(new AcceptedSubject(s.issuer(), s.audienceOrDefault(), null, s.groupsOrEmpty(), s.jwksUri()));
            }
        }
        return out;
    }
}
