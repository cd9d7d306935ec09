package dev.pgwarden.cli.cluster;

import dev.pgwarden.api.cluster.DecisionPatch;
import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.v1alpha1.Decision;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code kubectl pgwarden approve|deny}: sends exactly the merge patch README's {@code kubectl
 * patch} sends ({@link DecisionPatch}), as the kubeconfig's user, so pgwarden's webhooks stamp
 * that user as the reviewer and refuse what they refuse for a raw patch.
 */
public final class ApprovalDecision {
    /** QueryApprovals, as RBAC names them. */
    static final String RESOURCE = "queryapprovals.pgwarden.dev";

    private ApprovalDecision() {}

    public static void decide(Cluster cluster, String name, Decision decision, String comment, PrintWriter out)
            throws ClusterException {
        String what = "QueryApproval " + name + " in namespace " + cluster.namespace();
        Resource<QueryApproval> resource = cluster.client()
                .resources(QueryApproval.class)
                .inNamespace(cluster.namespace())
                .withName(name);
        QueryApproval decided;
        try {
            QueryApproval before = resource.get();
            if (before == null) {
                throw new ClusterException("no " + what + "; `kubectl pgwarden approvals -n " + cluster.namespace()
                        + "` lists the pending ones (-A: in every namespace)");
            }
            if (before.decisionOrPending() == decision) {
                // The same patch again changes nothing and would pass the webhook: say so instead of
                // reporting a decision this reviewer did not make.
                throw new ClusterException(name + " was already " + decision + " by "
                        + Objects.requireNonNullElse(before.annotation(PgwardenAnnotations.REVIEWED_BY), "a reviewer")
                        + "; a decision is final");
            }
            decided = resource.patch(PatchContext.of(PatchType.JSON_MERGE), DecisionPatch.json(decision, comment));
        } catch (KubernetesClientException e) {
            throw ApiErrors.explain(e, what, "patch", RESOURCE);
        }
        String reviewer = decided.annotation(PgwardenAnnotations.REVIEWED_BY);
        out.println(name + " " + decision.name().toLowerCase(Locale.ROOT) + " by "
                + (reviewer == null
                        ? "you (no reviewer stamp came back: is pgwarden's mutating webhook installed?)"
                        : reviewer)
                + ": " + decided.getSpec().statement());
        out.flush();
    }
}
