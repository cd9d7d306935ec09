package dev.pgwarden.operator.policy;

import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicyStatus;
import dev.pgwarden.api.v1alpha1.IssuedCredentials;
import dev.pgwarden.database.PrivilegeDrift;
import dev.pgwarden.operator.events.EventRecorder;
import dev.pgwarden.operator.policy.CredentialRotation.Rotated;
import dev.pgwarden.operator.policy.CredentialsSecret.Issued;
import dev.pgwarden.operator.policy.ReconcileProblem.Reason;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports a reconcile's outcome on the policy: the Ready and Degraded conditions, the credentials
 * in force, {@code observedGeneration} (which moves only when the spec was applied), and a
 * Warning event for each problem a person should see.
 */
final class PolicyStatus {
    private static final Logger log = LoggerFactory.getLogger(PolicyStatus.class);
    /** Drift items a condition lists before it says how many more there are. */
    private static final int SHOWN_DRIFT = 5;

    private final EventRecorder events;

    PolicyStatus(EventRecorder events) {
        this.events = events;
    }

    /**
     * Applied: Ready, and Degraded when the group's privileges or masking still differ from the
     * policy where the admin has no say.
     */
    DatabaseAccessPolicy ready(DatabaseAccessPolicy policy, Rotated rotated, Instant now) {
        Issued issued = rotated.issued();
        String secretName = CredentialsSecret.name(policy.getMetadata().getName());
        String message = "role " + issued.username() + " is valid until " + issued.expiresAt() + "; sidecars read it"
                + " from Secret " + secretName + MaskingSummary.inForce(rotated.masking());
        IssuedCredentials credentials = new IssuedCredentials(
                secretName, issued.username(), issued.expiresAt().toString());
        log.info(
                "policy {}/{}: {}",
                policy.getMetadata().getNamespace(),
                policy.getMetadata().getName(),
                message);
        List<PrivilegeDrift> drift = rotated.drift();
        if (drift.isEmpty()) {
            return withStatus(policy, true, "CredentialsIssued", message, false, "NoProblem", "", credentials, now);
        }
        // Still Ready: agents get their credentials, with privileges that differ from the policy only
        // where the admin role has no say, and masked columns they cannot read where masking could
        // not be made; Degraded lists each difference and who can fix it, masking's first.
        String group = PolicyDatabases.names(policy).group();
        List<PrivilegeDrift> masking =
                drift.stream().filter(d -> d.kind().masking()).toList();
        List<PrivilegeDrift> grants =
                drift.stream().filter(d -> !d.kind().masking()).toList();
        List<String> parts = new ArrayList<>();
        if (!masking.isEmpty()) {
            parts.add("masking for group " + group + " is not what the policy says: " + shown(masking));
        }
        if (!grants.isEmpty()) {
            parts.add("the privileges of group " + group + " differ from the policy where the admin role cannot change"
                    + " them: " + shown(grants));
        }
        String degraded = String.join("; and ", parts);
        Reason reason = masking.isEmpty() ? Reason.PrivilegeDrift : Reason.MaskingDrift;
        events.record(
                policy, EventRecorder.Type.Warning, reason.name(), masking.isEmpty() ? "Grant" : "Mask", degraded);
        return withStatus(policy, true, "CredentialsIssued", message, true, reason.name(), degraded, credentials, now);
    }

    private static String shown(List<PrivilegeDrift> drift) {
        return String.join(
                        " | ",
                        drift.subList(0, Math.min(SHOWN_DRIFT, drift.size())).stream()
                                .map(PrivilegeDrift::toString)
                                .toList())
                + (drift.size() > SHOWN_DRIFT ? " | and " + (drift.size() - SHOWN_DRIFT) + " more" : "");
    }

    /**
     * Invalid: not Ready until the spec changes, saying what sidecars keep enforcing meanwhile; the
     * event is recorded once per generation.
     */
    DatabaseAccessPolicy invalid(DatabaseAccessPolicy policy, List<String> problems, LastApplied applied, Instant now) {
        String message = "the policy is invalid: " + String.join("; ", problems) + ". Fix the spec and apply it again."
                + inForce(applied, now);
        if (!alreadyReportedInvalid(policy)) {
            events.record(policy, EventRecorder.Type.Warning, Reason.InvalidPolicy.name(), "Validate", message);
        }
        return withStatus(
                policy,
                false,
                Reason.InvalidPolicy.name(),
                message,
                false,
                "NoProblem",
                "",
                credentialsOf(policy),
                now);
    }

    /** Failed: Degraded with the problem's reason, retried with backoff. */
    DatabaseAccessPolicy failed(DatabaseAccessPolicy policy, Exception e, Instant now) {
        ReconcileProblem problem = e instanceof ReconcileProblem p
                ? p
                : new ReconcileProblem(Reason.KubernetesError, String.valueOf(e.getMessage()), e);
        IssuedCredentials credentials = credentialsOf(policy);
        // Sidecars keep working while the credential they hold is valid: Ready says whether agents can connect.
        boolean stillServing = credentials != null
                && credentials.expiresAt() != null
                && Instant.parse(credentials.expiresAt()).isAfter(now);
        String message = problem.getMessage() + "; retrying with backoff";
        log.warn(
                "policy {}/{}: {}",
                policy.getMetadata().getNamespace(),
                policy.getMetadata().getName(),
                message);
        events.record(policy, EventRecorder.Type.Warning, problem.reason().name(), "Reconcile", message);
        Long generation = policy.getMetadata().getGeneration();
        DatabaseAccessPolicyStatus previous = policy.getStatus();
        List<Condition> conditions = previous == null ? null : previous.conditions();
        // While the old credential serves, Ready stays exactly as it was, generation included: the new
        // spec was not applied, and status must not say it was. observedGeneration moves only on success.
        if (!stillServing || Conditions.find(conditions, Conditions.READY) == null) {
            conditions = Conditions.set(
                    conditions, Conditions.READY, false, problem.reason().name(), message, generation, now);
        }
        conditions = Conditions.set(
                conditions, Conditions.DEGRADED, true, problem.reason().name(), message, generation, now);
        policy.setStatus(new DatabaseAccessPolicyStatus(
                previous == null ? null : previous.observedGeneration(), conditions, credentials));
        return policy;
    }

    /** This generation's invalidity is already in status (and was recorded as an event then). */
    private static boolean alreadyReportedInvalid(DatabaseAccessPolicy policy) {
        Condition ready = policy.getStatus() == null
                ? null
                : Conditions.find(policy.getStatus().conditions(), Conditions.READY);
        return ready != null
                && Reason.InvalidPolicy.name().equals(ready.getReason())
                && Objects.equals(
                        ready.getObservedGeneration(), policy.getMetadata().getGeneration());
    }

    /** For an invalid policy's message: what sidecars keep enforcing meanwhile. */
    private static String inForce(LastApplied applied, Instant now) {
        Issued issued = applied.issued();
        if (applied.carried() == null || issued == null || !issued.expiresAt().isAfter(now)) {
            return " No valid credentials are issued until then.";
        }
        return " Until then sidecars keep the last valid policy (generation "
                + applied.carried().getMetadata().getGeneration() + ") and role " + issued.username()
                + ", which expires at "
                + issued.expiresAt() + " and is not renewed.";
    }

    private static IssuedCredentials credentialsOf(DatabaseAccessPolicy policy) {
        return policy.getStatus() == null ? null : policy.getStatus().credentials();
    }

    private static DatabaseAccessPolicy withStatus(
            DatabaseAccessPolicy policy,
            boolean ready,
            String readyReason,
            String readyMessage,
            boolean degraded,
            String degradedReason,
            String degradedMessage,
            IssuedCredentials credentials,
            Instant now) {
        Long generation = policy.getMetadata().getGeneration();
        List<Condition> conditions =
                policy.getStatus() == null ? null : policy.getStatus().conditions();
        conditions = Conditions.set(conditions, Conditions.READY, ready, readyReason, readyMessage, generation, now);
        conditions = Conditions.set(
                conditions, Conditions.DEGRADED, degraded, degradedReason, degradedMessage, generation, now);
        policy.setStatus(new DatabaseAccessPolicyStatus(generation, conditions, credentials));
        return policy;
    }
}
