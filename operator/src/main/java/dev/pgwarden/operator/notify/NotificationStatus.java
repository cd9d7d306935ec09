package dev.pgwarden.operator.notify;

import dev.pgwarden.api.v1alpha1.ApprovalNotification;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code status.notifications}, the record that keeps a channel from being told twice. A
 * JSON merge patch of that field only, without a resourceVersion: the operator is its only writer,
 * and the phase the sidecar and the reconciler write stays as it is.
 */
final class NotificationStatus {
    private final KubernetesClient client;

    NotificationStatus(KubernetesClient client) {
        this.client = client;
    }

    void write(QueryApproval approval, List<ApprovalNotification> all) {
        Map<String, Object> patch = Map.of("status", Map.of("notifications", all));
        client.resources(QueryApproval.class)
                .inNamespace(approval.getMetadata().getNamespace())
                .withName(approval.getMetadata().getName())
                .subresource("status")
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        client.getKubernetesSerialization().asJson(patch));
    }
}
