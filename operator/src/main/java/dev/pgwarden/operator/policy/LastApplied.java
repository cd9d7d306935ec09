package dev.pgwarden.operator.policy;

import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.operator.policy.CredentialsSecret.Issued;
import io.fabric8.kubernetes.api.model.Secret;

/**
 * What was last applied for a policy, as its credentials Secret records it: the Secret pgwarden
 * wrote (null if none), the policy it carries to the sidecars (null if it carries none that reads),
 * and through that policy the database the roles live in.
 */
record LastApplied(Secret secret, DatabaseAccessPolicy carried) {
    static final LastApplied NONE = new LastApplied(null, null);

    /** The credential the Secret hands out, or null. */
    Issued issued() {
        return CredentialsSecret.issued(secret);
    }

    /** The database the roles were made in, or null when nothing was applied yet. */
    DatabaseTarget target() {
        return carried == null || carried.getSpec() == null
                ? null
                : carried.getSpec().database();
    }
}
