package dev.pgwarden.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/** One held statement waiting for a human decision. Created by the sidecar, decided by a reviewer. */
@Group(DatabaseAccessPolicy.GROUP)
@Version(DatabaseAccessPolicy.VERSION)
@ShortNames("qa")
@AdditionalPrinterColumn(name = "Policy", jsonPath = ".spec.policy")
@AdditionalPrinterColumn(name = "Rule", jsonPath = ".spec.rule")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Statement", jsonPath = ".spec.statement")
@AdditionalPrinterColumn(name = "Reviewer", jsonPath = ".status.reviewedBy", priority = 1)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".spec.reason", priority = 1)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class QueryApproval extends CustomResource<QueryApprovalSpec, QueryApprovalStatus> implements Namespaced {
    // Readers shared by the sidecar and the operator, so both see an approval the same way. Not
    // bean getters: Jackson and the CRD generator ignore them.

    /** The reviewer's decision; none yet is Pending (the sidecar files requests without one). */
    public Decision decisionOrPending() {
        Decision decision = getSpec() == null ? null : getSpec().decision();
        return decision == null ? Decision.Pending : decision;
    }

    /** {@code status.phase}; no status or no phase yet is Pending: nothing has happened to the request. */
    public ApprovalPhase phaseOrPending() {
        return getStatus() == null || getStatus().phase() == null
                ? ApprovalPhase.Pending
                : getStatus().phase();
    }

    /** {@code spec.expiresAt}; a missing or unreadable one counts as long past (the epoch): fail closed. */
    public Instant expiresAtOrEpoch() {
        try {
            return Instant.parse(getSpec().expiresAt());
        } catch (DateTimeParseException | NullPointerException e) {
            return Instant.EPOCH;
        }
    }

    /** One annotation's value, or null. */
    public String annotation(String key) {
        Map<String, String> annotations =
                getMetadata() == null ? null : getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(key);
    }
}
