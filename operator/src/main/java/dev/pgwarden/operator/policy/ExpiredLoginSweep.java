package dev.pgwarden.operator.policy;

import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.database.ExpirySweep;
import dev.pgwarden.database.PolicyDatabase;
import dev.pgwarden.operator.events.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a policy's expired login roles and records each as an event, also while the spec cannot be
 * applied: an invalid edit or a moved database must not keep a credential alive past its expiry.
 */
final class ExpiredLoginSweep {
    private static final Duration EXPIRY_RETRY = Duration.ofMinutes(1);
    private static final Logger log = LoggerFactory.getLogger(ExpiredLoginSweep.class);

    private final AdminSecrets adminSecrets;
    private final EventRecorder events;

    ExpiredLoginSweep(AdminSecrets adminSecrets, EventRecorder events) {
        this.adminSecrets = adminSecrets;
        this.events = events;
    }

    /** Over a connection the caller holds. */
    void sweep(DatabaseAccessPolicy policy, PolicyDatabase database, Instant now) throws SQLException {
        recordDropped(policy, database.endExpiredLogins(PolicyDatabases.names(policy), now));
    }

    /**
     * While the spec cannot be applied: in the database the last applied policy names, with that
     * policy's admin Secret. Returns when to look again, if anything is left to expire.
     */
    Optional<Duration> sweepLastApplied(DatabaseAccessPolicy policy, LastApplied applied, Instant now) {
        DatabaseAccessPolicy carried = applied.carried();
        if (carried == null
                || carried.getSpec() == null
                || carried.getSpec().database() == null
                || carried.getSpec().database().adminSecretRef() == null) {
            return Optional.empty();
        }
        // The Secret sits in the policy's namespace; its copy of the policy must not point elsewhere.
        carried.getMetadata().setNamespace(policy.getMetadata().getNamespace());
        try (Connection connection =
                PolicyDatabases.connect(carried.getSpec().database(), adminSecrets.read(carried))) {
            ExpirySweep swept = new PolicyDatabase(connection).endExpiredLogins(PolicyDatabases.names(policy), now);
            recordDropped(policy, swept);
            return swept.recheckAfter(now);
        } catch (ReconcileProblem | SQLException | KubernetesClientException e) {
            String message = "could not end expired roles of the last applied policy: " + e.getMessage()
                    + "; retrying in " + EXPIRY_RETRY.toSeconds() + "s";
            log.warn(
                    "policy {}/{}: {}",
                    policy.getMetadata().getNamespace(),
                    policy.getMetadata().getName(),
                    message);
            events.record(policy, EventRecorder.Type.Warning, "ExpiryFailed", "Drop", message);
            return Optional.of(EXPIRY_RETRY);
        }
    }

    private void recordDropped(DatabaseAccessPolicy policy, ExpirySweep swept) {
        for (String role : swept.dropped()) {
            events.record(
                    policy,
                    EventRecorder.Type.Normal,
                    "RoleDropped",
                    "Drop",
                    "expired role " + role + " dropped and its sessions ended");
        }
    }
}
