package dev.pgwarden.operator.policy;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.database.AdminCredentials;
import dev.pgwarden.database.PolicyDatabase;
import dev.pgwarden.operator.events.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the finalizer does when a policy is deleted: its group and logins dropped in the database
 * they live in, its credentials Secret and RoleBinding removed. Until that worked the policy stays,
 * unless it is annotated to skip the database (which is gone for good).
 */
final class PolicyCleanup {
    private static final Duration CLEANUP_RETRY = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(PolicyCleanup.class);

    private final AdminSecrets adminSecrets;
    private final CredentialsSecretStore secrets;
    private final SidecarAccess sidecarAccess;
    private final EventRecorder events;

    PolicyCleanup(
            AdminSecrets adminSecrets,
            CredentialsSecretStore secrets,
            SidecarAccess sidecarAccess,
            EventRecorder events) {
        this.adminSecrets = adminSecrets;
        this.secrets = secrets;
        this.sidecarAccess = sidecarAccess;
        this.events = events;
    }

    DeleteControl cleanup(DatabaseAccessPolicy policy, Context<DatabaseAccessPolicy> context) {
        String id =
                policy.getMetadata().getNamespace() + "/" + policy.getMetadata().getName();
        boolean skip = "true"
                .equals(
                        policy.getMetadata().getAnnotations() == null
                                ? null
                                : policy.getMetadata().getAnnotations().get(PgwardenAnnotations.SKIP_DATABASE_CLEANUP));
        try {
            LastApplied applied = secrets.ours(policy, context);
            if (!skip
                    && policy.getSpec() != null
                    && policy.getSpec().database() != null
                    && policy.getSpec().database().adminSecretRef() != null) {
                dropRoles(policy, applied, id);
            }
            secrets.delete(applied);
            sidecarAccess.remove(policy);
            log.info("policy {} deleted: roles dropped, Secret and RoleBinding removed", id);
            return DeleteControl.defaultDelete();
        } catch (ReconcileProblem | KubernetesClientException e) {
            String message =
                    "could not remove the policy's database roles: " + e.getMessage() + ". pgwarden retries every "
                            + CLEANUP_RETRY.toSeconds() + "s; to delete the policy without dropping them, annotate it "
                            + PgwardenAnnotations.SKIP_DATABASE_CLEANUP + "=true";
            log.warn("policy {}: {}", id, message);
            events.record(policy, EventRecorder.Type.Warning, "CleanupFailed", "Delete", message);
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(CLEANUP_RETRY.toMillis());
        }
    }

    /** In the database the roles were made in: the last applied policy's, else the spec's. */
    private void dropRoles(DatabaseAccessPolicy policy, LastApplied applied, String id) {
        AdminCredentials admin = adminSecrets.read(policy);
        DatabaseTarget target =
                applied.target() != null ? applied.target() : policy.getSpec().database();
        try (Connection connection = PolicyDatabases.connect(target, admin)) {
            if (!new PolicyDatabase(connection).dropGroup(PolicyDatabases.names(policy))) {
                log.info("policy {}: its group role is not pgwarden's (no pgwarden comment); left in place", id);
            }
        } catch (SQLException e) {
            throw PolicyDatabases.failed(policy.getSpec().database(), e);
        }
    }
}
