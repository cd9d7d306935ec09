package dev.pgwarden.cli.cluster;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.v1alpha1.ApprovalPhase;
import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import dev.pgwarden.api.v1alpha1.Decision;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.api.v1alpha1.QueryApprovalSpec;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * {@code kubectl pgwarden approvals}: the QueryApprovals of a namespace or of all, in the shape
 * {@code pgwarden approvals} prints a local gate's requests, with the namespace and pod added.
 */
public final class ApprovalListing {
    private final Clock clock;

    public ApprovalListing(Clock clock) {
        this.clock = clock;
    }

    /** @param allNamespaces every namespace the user may list, not only the cluster's namespace */
    public void print(Cluster cluster, boolean allNamespaces, boolean all, PrintWriter out) throws ClusterException {
        String where = allNamespaces ? "any namespace" : "namespace " + cluster.namespace();
        List<QueryApproval> approvals;
        try {
            var resources = cluster.client().resources(QueryApproval.class);
            approvals = (allNamespaces ? resources.inAnyNamespace() : resources.inNamespace(cluster.namespace()))
                    .list()
                    .getItems();
        } catch (KubernetesClientException e) {
            throw ApiErrors.explain(e, "QueryApprovals in " + where, "list", ApprovalDecision.RESOURCE);
        }
        List<QueryApproval> shown = approvals.stream()
                .filter(a -> all || pending(a))
                .sorted(Comparator.comparing(
                                (QueryApproval a) -> a.getMetadata().getNamespace())
                        .thenComparing(QueryApproval::expiresAtOrEpoch)
                        .thenComparing(a -> a.getMetadata().getName()))
                .toList();
        if (shown.isEmpty()) {
            out.println((all ? "No approval requests in " : "No pending approval requests in ") + where + ".");
        }
        shown.forEach(a -> print(a, out));
        out.flush();
    }

    /** Undecided and not yet closed: what a reviewer can still act on. */
    private static boolean pending(QueryApproval a) {
        return a.phaseOrPending() == ApprovalPhase.Pending && a.decisionOrPending() == Decision.Pending;
    }

    private void print(QueryApproval a, PrintWriter out) {
        QueryApprovalSpec spec = a.getSpec();
        ApprovalSubject subject = spec == null ? null : spec.subject();
        boolean past = !clock.instant().isBefore(a.expiresAtOrEpoch());
        // "expired" for what expiry closed (or will, once the operator sees it), not for a decided request.
        boolean expired = past && (pending(a) || a.phaseOrPending() == ApprovalPhase.Expired);
        // "-n NS" right after the name, so the line's start is what `approve` takes.
        out.printf(
                "%s -n %s  %s  rule %s  subject %s  pod %s  %s %s%n",
                a.getMetadata().getName(),
                a.getMetadata().getNamespace(),
                a.phaseOrPending(),
                spec == null ? null : spec.rule(),
                subject == null ? null : Objects.requireNonNullElse(subject.serviceAccount(), subject.subject()),
                subject == null ? null : subject.pod(),
                expired ? "expired" : "expires",
                spec == null ? null : spec.expiresAt());
        if (spec == null) {
            return;
        }
        out.println("    " + String.valueOf(spec.statement()).replace("\n", "\n    "));
        if (spec.rowsChanged() != null) {
            out.println("    trial run changed " + spec.rowsChanged() + " rows");
        }
        if (spec.estimates() != null) {
            spec.estimates().forEach(e -> out.println("    would remove " + e.summary()));
        }
        if (spec.reason() != null) {
            out.println("    reason: " + spec.reason());
        }
        if (spec.parameters() != null && !spec.parameters().isEmpty()) {
            out.println("    parameters: " + spec.parameters());
        }
        String reviewer = a.annotation(PgwardenAnnotations.REVIEWED_BY);
        if (a.decisionOrPending() != Decision.Pending) {
            out.println("    " + a.decisionOrPending().name().toLowerCase(java.util.Locale.ROOT) + " by "
                    + Objects.requireNonNullElse(reviewer, "?")
                    + (spec.comment() == null ? "" : ": " + spec.comment()));
        }
    }
}
