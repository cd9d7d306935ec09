package dev.pgwarden.operator.policy;

import dev.pgwarden.api.jdbc.JdbcTarget;
import dev.pgwarden.api.policy.PolicyProblem;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.database.CredentialPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/** What must hold before a policy is applied: a valid spec, and the database its roles already live in. */
final class PolicyChecks {
    private final PolicyValidator validator = new PolicyValidator(PolicyValidator.Use.CLUSTER);

    /** What the CRD schema cannot check, plus what only the operator needs; empty when the spec is valid. */
    List<String> problems(DatabaseAccessPolicy policy) {
        List<String> out = validator.validate(policy).stream()
                .map(PolicyProblem::toString)
                .collect(Collectors.toCollection(ArrayList::new));
        if (policy.getSpec() != null
                && policy.getSpec().database() != null
                && policy.getSpec().database().adminSecretRef() == null) {
            out.add(
                    "spec.database.adminSecretRef: required: the Secret (keys username, password) pgwarden mints roles with");
        }
        if (policy.getSpec() != null
                && policy.getSpec().database() != null
                && policy.getSpec().database().host() != null
                && !JdbcTarget.validHost(policy.getSpec().database().host())) {
            out.add("spec.database.host: must be a host name or an IP address");
        }
        if (policy.getSpec() != null
                && policy.getSpec().access() != null
                && out.isEmpty()
                && CredentialPlan.ttl(policy.getSpec().access()).compareTo(CredentialPlan.MIN_TTL) < 0) {
            out.add("spec.access.credentialTTL: must be at least 1m, so a credential can be rotated before it expires");
        }
        return out;
    }

    /**
     * Why the spec now names another database than the one the policy's roles were made in, if it
     * does. The webhook refuses this edit; without the webhook, nothing is granted in the new database.
     */
    Optional<String> movedDatabase(DatabaseAccessPolicy policy, LastApplied applied) {
        DatabaseTarget was = applied.target();
        DatabaseTarget now = policy.getSpec().database();
        if (was == null || sameDatabase(was, now)) {
            return Optional.empty();
        }
        return Optional.of("spec.database now names " + PolicyDatabases.where(now) + " but the policy's roles live in "
                + PolicyDatabases.where(was)
                + "; put spec.database back, or delete the policy (its roles are dropped) and"
                + " create it again for the other database");
    }

    private static boolean sameDatabase(DatabaseTarget a, DatabaseTarget b) {
        return Objects.equals(a.host(), b.host())
                && a.portOrDefault() == b.portOrDefault()
                && Objects.equals(a.name(), b.name());
    }
}
