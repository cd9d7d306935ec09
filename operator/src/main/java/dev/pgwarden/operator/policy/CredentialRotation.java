package dev.pgwarden.operator.policy;

import dev.pgwarden.api.cluster.PolicySecret;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.database.AdminCredentials;
import dev.pgwarden.database.Applied;
import dev.pgwarden.database.DatabaseProblemException;
import dev.pgwarden.database.IssuedLogin;
import dev.pgwarden.database.PolicyDatabase;
import dev.pgwarden.database.PrivilegeDrift;
import dev.pgwarden.database.masking.MaskKey;
import dev.pgwarden.database.masking.MaskingReport;
import dev.pgwarden.operator.events.EventRecorder;
import dev.pgwarden.operator.policy.CredentialsSecret.Issued;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Applies a valid policy in its database and hands the serving credential to the sidecars: the
 * group, its privileges and its masking, the login kept or a new one minted, and the credentials
 * Secret written. A login minted for a Secret that could not be written is dropped again.
 */
final class CredentialRotation {
    /**
     * What a rotation left in place: the credential the Secret hands out, the drift found (grants and
     * masking), what masking governs, when to look again.
     */
    record Rotated(Issued issued, List<PrivilegeDrift> drift, MaskingReport masking, Duration recheckAfter) {}

    private final AdminSecrets adminSecrets;
    private final CredentialsSecretStore secrets;
    private final ExpiredLoginSweep expiry;
    private final EventRecorder events;

    CredentialRotation(
            AdminSecrets adminSecrets, CredentialsSecretStore secrets, ExpiredLoginSweep expiry, EventRecorder events) {
        this.adminSecrets = adminSecrets;
        this.secrets = secrets;
        this.expiry = expiry;
        this.events = events;
    }

    Rotated rotate(
            DatabaseAccessPolicy policy, LastApplied applied, Context<DatabaseAccessPolicy> context, Instant now) {
        AdminCredentials admin = adminSecrets.read(policy);
        Issued held = applied.issued();
        // The Secret's keys are settled first: the masking views hash with the key the sidecars read.
        CredentialsSecret.Keys keys = CredentialsSecret.Keys.of(applied.secret());
        MaskKey maskKey = maskKey(policy, keys);
        try (Connection connection = PolicyDatabases.connect(policy.getSpec().database(), admin)) {
            PolicyDatabase database = new PolicyDatabase(connection);
            // Expired credentials end first, whatever fails further down.
            expiry.sweep(policy, database, now);
            Applied result = database.apply(
                    PolicyDatabases.names(policy),
                    policy.getSpec(),
                    maskKey,
                    now,
                    held == null ? null : held.username());
            IssuedLogin login = result.login();
            Issued issued = login instanceof IssuedLogin.Minted minted
                    ? new Issued(minted.name(), minted.password(), minted.validUntil())
                    : new Issued(held.username(), held.password(), login.validUntil());
            try {
                secrets.write(policy, issued, keys, applied, context);
            } catch (RuntimeException e) {
                if (login instanceof IssuedLogin.Minted) {
                    // Nobody will ever learn this role's password: drop it now rather than let retries pile roles up.
                    database.dropLogin(issued.username());
                }
                throw e;
            }
            if (login instanceof IssuedLogin.Minted) {
                events.record(
                        policy,
                        EventRecorder.Type.Normal,
                        held == null ? "CredentialsIssued" : "CredentialsRotated",
                        "Mint",
                        "role " + issued.username() + " valid until " + issued.expiresAt() + " in Secret "
                                + CredentialsSecret.name(policy.getMetadata().getName()));
            }
            if (!result.masking().changes().isEmpty()) {
                events.record(
                        policy,
                        EventRecorder.Type.Normal,
                        "MaskingApplied",
                        "Mask",
                        MaskingSummary.changed(result.masking()));
            }
            return new Rotated(issued, result.drift(), result.masking(), result.recheckAfter());
        } catch (SQLException e) {
            throw PolicyDatabases.failed(policy.getSpec().database(), e);
        } catch (DatabaseProblemException e) {
            throw PolicyDatabases.failed(e);
        }
    }

    /** The policy's hash key as the sidecar derives it from the same {@code mask.key}. */
    private static MaskKey maskKey(DatabaseAccessPolicy policy, CredentialsSecret.Keys keys) {
        try {
            return MaskKey.derive(keys.maskSecret(), policy.getMetadata().getName());
        } catch (IllegalArgumentException e) {
            throw new ReconcileProblem(
                    ReconcileProblem.Reason.KubernetesError,
                    "key " + PolicySecret.MASK_KEY + " of Secret "
                            + CredentialsSecret.name(policy.getMetadata().getName()) + " cannot key masking: "
                            + e.getMessage()
                            + "; delete the key and pgwarden makes a new one",
                    e);
        }
    }
}
