package dev.pgwarden.operator.webhook.approval;

import static dev.pgwarden.api.cluster.PgwardenAnnotations.REVIEWED_AT;
import static dev.pgwarden.api.cluster.PgwardenAnnotations.REVIEWED_BY;

import dev.pgwarden.api.cluster.DecisionPatch;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.Decision;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.operator.webhook.admission.Admission;
import dev.pgwarden.operator.webhook.admission.PolicyLookup;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.webhook.admission.AdmissionRequestHandler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /validate-queryapprovals}: an approval is created undecided, its statement never changes,
 * and it is decided once, by an eligible reviewer who is not the requester, with the reviewer
 * stamp matching the request's user.
 */
public final class ApprovalValidator implements AdmissionRequestHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ApprovalValidator.class);
    /** The stamp is written by the mutating webhook moments before; anything older was carried in. */
    private static final Duration STAMP_SKEW = Duration.ofMinutes(5);

    private static final String HOW_TO_DECIDE =
            DecisionPatch.kubectlCommand("NAMESPACE", "NAME", Decision.Approved, null) + " (or Denied)";

    private final PolicyLookup policies;
    private final Clock clock;

    public ApprovalValidator(PolicyLookup policies, Clock clock) {
        this.policies = policies;
        this.clock = clock;
    }

    @Override
    public AdmissionResponse handle(AdmissionRequest request) {
        QueryApproval after = Admission.object(request, QueryApproval.class);
        return switch (String.valueOf(request.getOperation())) {
            case "CREATE" -> create(after);
            case "UPDATE" -> update(request, Admission.oldObject(request, QueryApproval.class), after);
            default -> Admission.allowed();
        };
    }

    private static AdmissionResponse create(QueryApproval approval) {
        if (approval == null) {
            return Admission.refused("pgwarden: the admission request carries no QueryApproval");
        }
        if (approval.decisionOrPending() != Decision.Pending) {
            return Admission.refused("pgwarden: a QueryApproval is created with decision Pending (the sidecar does"
                    + " that); it cannot be created already " + approval.decisionOrPending()
                    + ". Create it Pending, and let a reviewer decide with " + HOW_TO_DECIDE);
        }
        if (approval.annotation(REVIEWED_BY) != null || approval.annotation(REVIEWED_AT) != null) {
            return Admission.refused("pgwarden: annotations " + REVIEWED_BY + " and " + REVIEWED_AT
                    + " are set by pgwarden when a reviewer decides; remove them from the new QueryApproval");
        }
        return Admission.allowed();
    }

    private AdmissionResponse update(AdmissionRequest request, QueryApproval before, QueryApproval after) {
        if (before == null || after == null) {
            return Admission.refused("pgwarden: the admission request lacks the old or new QueryApproval");
        }
        List<String> changed = immutableSpecChanges(request);
        if (!changed.isEmpty()) {
            return Admission.refused("pgwarden: spec." + String.join(", spec.", changed) + " of a QueryApproval cannot"
                    + " change; only spec.decision and spec.comment can. If the statement is different, the sidecar"
                    + " makes a new request");
        }
        Decision was = before.decisionOrPending();
        Decision now = after.decisionOrPending();
        if (was != Decision.Pending && now != was) {
            return Admission.refused(
                    "pgwarden: this QueryApproval was already " + was + " by "
                            + Objects.requireNonNullElse(before.annotation(REVIEWED_BY), "a reviewer")
                            + "; a decision is final. To run the statement again, let the agent retry so a new request is made");
        }
        if (!Decisions.decides(before, after)) {
            return unchangedStamp(before, after);
        }
        return decision(request, after, now);
    }

    private AdmissionResponse decision(AdmissionRequest request, QueryApproval after, Decision decision) {
        UserInfo user = request.getUserInfo();
        if (user == null || user.getUsername() == null || user.getUsername().isBlank()) {
            return Admission.refused("pgwarden: the request has no user, so the decision cannot be attributed; decide"
                    + " as an authenticated user");
        }
        Optional<String> self = Requester.sameAs(after.getSpec().subject(), user);
        if (self.isPresent()) {
            return Admission.refused("pgwarden: you cannot decide your own request: " + self.get()
                    + ". Ask another reviewer to decide it");
        }
        String namespace = request.getNamespace() != null
                ? request.getNamespace()
                : after.getMetadata().getNamespace();
        String policyName = after.getSpec().policy();
        Optional<DatabaseAccessPolicy> policy;
        try {
            policy = policies.find(namespace, policyName);
        } catch (KubernetesClientException e) {
            LOG.warn("Could not read DatabaseAccessPolicy {}/{}", namespace, policyName, e);
            return Admission.failed("pgwarden: could not read DatabaseAccessPolicy " + policyName + " to check who may"
                    + " review (" + e.getMessage() + "); try again");
        }
        if (policy.isEmpty()) {
            return Admission.refused("pgwarden: DatabaseAccessPolicy " + policyName + " no longer exists in namespace "
                    + namespace + ", so nobody can be checked as its reviewer; the request cannot be decided");
        }
        Optional<String> notReviewer = ReviewerCheck.refusal(policy.get(), user);
        if (notReviewer.isPresent()) {
            return Admission.refused("pgwarden: you cannot decide this request: " + notReviewer.get());
        }
        if (decision == Decision.Approved && expired(after)) {
            return Admission.refused(
                    "pgwarden: this request expired at " + after.getSpec().expiresAt()
                            + " and can no longer be approved; the agent must run the statement again to make a new request");
        }
        return checkStamp(after, user.getUsername());
    }

    /** The stamp must be the mutating webhook's: this user, now. */
    private AdmissionResponse checkStamp(QueryApproval after, String username) {
        String by = after.annotation(REVIEWED_BY);
        String at = after.annotation(REVIEWED_AT);
        String missing = "; the pgwarden mutating webhook sets them, check that it is installed"
                + " (MutatingWebhookConfiguration) and do not set them yourself";
        if (!username.equals(by)) {
            return Admission.refused("pgwarden: annotation " + REVIEWED_BY + " must be the deciding user " + username
                    + ", was " + by + missing);
        }
        try {
            Instant stamped = Instant.parse(Objects.requireNonNull(at));
            if (Duration.between(stamped, clock.instant()).abs().compareTo(STAMP_SKEW) > 0) {
                return Admission.refused("pgwarden: annotation " + REVIEWED_AT + " " + at + " is not the time of this"
                        + " decision" + missing);
            }
        } catch (NullPointerException | DateTimeParseException e) {
            return Admission.refused(
                    "pgwarden: annotation " + REVIEWED_AT + " must be an RFC 3339 time, was " + at + missing);
        }
        return Admission.allowed();
    }

    /** Outside the decision the stamp is frozen: not added, changed or removed. */
    private static AdmissionResponse unchangedStamp(QueryApproval before, QueryApproval after) {
        for (String key : List.of(REVIEWED_BY, REVIEWED_AT)) {
            String was = before.annotation(key);
            String is = after.annotation(key);
            if (!Objects.equals(was, is)) {
                String what = was == null ? "added" : is == null ? "removed" : "changed";
                return Admission.refused(
                        "pgwarden: annotation " + key + " cannot be " + what + ": pgwarden sets it once,"
                                + " when a reviewer decides with " + HOW_TO_DECIDE + "; leave it as it is");
            }
        }
        return Admission.allowed();
    }

    private boolean expired(QueryApproval approval) {
        try {
            return !clock.instant().isBefore(Instant.parse(approval.getSpec().expiresAt()));
        } catch (RuntimeException e) {
            return true; // an unreadable expiry counts as past, as in the sidecar
        }
    }

    /**
     * Compares the raw spec maps, not the typed records, so a field the record does not know (if the
     * schema ever lets one through) still counts as a change.
     */
    @SuppressWarnings("unchecked")
    private static List<String> immutableSpecChanges(AdmissionRequest request) {
        Map<String, Object> before = spec(request.getOldObject());
        Map<String, Object> after = spec(request.getObject());
        TreeSet<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(after.keySet());
        keys.remove("decision");
        keys.remove("comment");
        List<String> changed = new ArrayList<>();
        for (String key : keys) {
            if (!Objects.equals(normalized(before.get(key)), normalized(after.get(key)))) {
                changed.add(key);
            }
        }
        return changed;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(Object object) {
        Map<String, Object> map = object == null ? Map.of() : Admission.SERIALIZATION.convertValue(object, Map.class);
        Object spec = map.get("spec");
        return spec instanceof Map<?, ?> m ? new LinkedHashMap<>((Map<String, Object>) m) : Map.of();
    }

    /** An empty parameter list and a missing one mean the same. */
    private static Object normalized(Object value) {
        return value instanceof List<?> list && list.isEmpty() ? null : value;
    }
}
