package dev.pgwarden.operator.notify;

import dev.pgwarden.api.v1alpha1.ApprovalNotification;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code status.notifications}, the record that keeps a channel from being told twice,
 * without a resourceVersion (the operator is the field's only writer) and touching nothing else:
 * the phase the sidecar and the reconciler write stays as it is. The first write is a JSON merge
 * patch, which creates the status if there is none yet; once the list exists it is replaced
 * through a JSON patch, since merge patches of lists are not merged alike everywhere (Fabric8's
 * mock API server appends to them).
 */
final class NotificationStatus {
    private final KubernetesClient client;

    NotificationStatus(KubernetesClient client) {
        this.client = client;
    }

    /** @param listExists whether the stored request already has a {@code status.notifications} */
    void write(QueryApproval approval, List<ApprovalNotification> all, boolean listExists) {
        String body = listExists
                ? json(List.of(Map.of("op", "replace", "path", "/status/notifications", "value", all)))
                : json(Map.of("status", Map.of("notifications", all)));
        client.resources(QueryApproval.class)
                .inNamespace(approval.getMetadata().getNamespace())
                .withName(approval.getMetadata().getName())
                .subresource("status")
                .patch(PatchContext.of(listExists ? PatchType.JSON : PatchType.JSON_MERGE), body);
    }

    private String json(Object value) {
        return client.getKubernetesSerialization().asJson(value);
    }
}
