package dev.pgwarden.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One held statement waiting for a human decision. Created by the sidecar, decided by a reviewer. */
@Group(DatabaseAccessPolicy.GROUP)
@Version(DatabaseAccessPolicy.VERSION)
@ShortNames("qa")
@AdditionalPrinterColumn(name = "Policy", jsonPath = ".spec.policy")
@AdditionalPrinterColumn(name = "Rule", jsonPath = ".spec.rule")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Statement", jsonPath = ".spec.statement")
@AdditionalPrinterColumn(name = "Reviewer", jsonPath = ".status.reviewedBy", priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class QueryApproval extends CustomResource<QueryApprovalSpec, QueryApprovalStatus> implements Namespaced {
}
