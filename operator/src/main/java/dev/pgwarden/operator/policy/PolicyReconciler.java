package dev.pgwarden.operator.policy;

import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.operator.events.EventRecorder;
import dev.pgwarden.operator.policy.CredentialRotation.Rotated;
import dev.pgwarden.operator.policy.ReconcileProblem.Reason;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a policy's database roles and credentials Secret as the policy says: a NOLOGIN group with
 * the grants, a current short-lived LOGIN role in it, rotation before expiry, expired roles
 * dropped, and everything removed when the policy goes (the finalizer). This class only puts the
 * steps in order; each is a class of its own.
 */
@ControllerConfiguration(
        name = PolicyReconciler.NAME,
        finalizerName = PolicyReconciler.FINALIZER,
        maxReconciliationInterval = @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
public final class PolicyReconciler implements Reconciler<DatabaseAccessPolicy>, Cleaner<DatabaseAccessPolicy> {
    public static final String NAME = "databaseaccesspolicy";
    public static final String FINALIZER = "pgwarden.dev/database-roles";

    private final Clock clock;
    private final PolicyChecks checks = new PolicyChecks();
    private final CredentialsSecretStore secrets;
    private final ExpiredLoginSweep expiry;
    private final CredentialRotation rotation;
    private final SidecarAccess sidecarAccess;
    private final PolicyStatus status;
    private final PolicyCleanup cleanup;

    public PolicyReconciler(KubernetesClient client, EventRecorder events, Clock clock) {
        this.clock = clock;
        AdminSecrets adminSecrets = new AdminSecrets(client);
        this.secrets = new CredentialsSecretStore(client);
        this.expiry = new ExpiredLoginSweep(adminSecrets, events);
        this.rotation = new CredentialRotation(adminSecrets, secrets, expiry, events);
        this.sidecarAccess = new SidecarAccess(client);
        this.status = new PolicyStatus(events);
        this.cleanup = new PolicyCleanup(adminSecrets, secrets, sidecarAccess, events);
    }

    /** The credentials Secrets pgwarden wrote, cached; one edited or deleted by hand is rewritten at once. */
    @Override
    public List<EventSource<?, DatabaseAccessPolicy>> prepareEventSources(
            EventSourceContext<DatabaseAccessPolicy> context) {
        return List.of(CredentialsSecretStore.eventSource(context));
    }

    @Override
    public UpdateControl<DatabaseAccessPolicy> reconcile(
            DatabaseAccessPolicy policy, Context<DatabaseAccessPolicy> context) {
        Instant now = clock.instant();
        List<String> problems = checks.problems(policy);
        if (!problems.isEmpty()) {
            // Nothing is granted or minted until the spec changes (a new generation triggers a reconcile),
            // but credentials already handed out still expire on time.
            LastApplied applied = secrets.ours(policy, context);
            Optional<Duration> nextExpiry = expiry.sweepLastApplied(policy, applied, now);
            UpdateControl<DatabaseAccessPolicy> control =
                    UpdateControl.patchStatus(status.invalid(policy, problems, applied, now));
            return nextExpiry.map(control::rescheduleAfter).orElse(control);
        }
        LastApplied applied = secrets.beforeWriting(policy, context);
        Optional<String> moved = checks.movedDatabase(policy, applied);
        if (moved.isPresent()) {
            expiry.sweepLastApplied(policy, applied, now);
            throw new ReconcileProblem(Reason.DatabaseChanged, moved.get());
        }
        Rotated rotated = rotation.rotate(policy, applied, context, now);
        try {
            sidecarAccess.reconcile(policy);
        } catch (KubernetesClientException e) {
            throw new ReconcileProblem(
                    Reason.KubernetesError, "could not bind the sidecar's role for approvals: " + e.getMessage(), e);
        }
        return UpdateControl.patchStatus(status.ready(policy, rotated, now)).rescheduleAfter(rotated.recheckAfter());
    }

    @Override
    public ErrorStatusUpdateControl<DatabaseAccessPolicy> updateErrorStatus(
            DatabaseAccessPolicy policy, Context<DatabaseAccessPolicy> context, Exception e) {
        return ErrorStatusUpdateControl.patchStatus(status.failed(policy, e, clock.instant()));
    }

    @Override
    public DeleteControl cleanup(DatabaseAccessPolicy policy, Context<DatabaseAccessPolicy> context) {
        return cleanup.cleanup(policy, context);
    }
}
