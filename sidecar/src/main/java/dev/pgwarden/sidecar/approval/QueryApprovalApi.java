package dev.pgwarden.sidecar.approval;

import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.v1alpha1.ApprovalPhase;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The QueryApproval calls a sidecar makes: create, list, delete, and set {@code status.phase}.
 * Every call is blocking HTTP, so callers run it off the event loop; bookkeeping whose failure
 * changes no decision runs on the given executor and is only logged when it fails.
 */
final class QueryApprovalApi {
    private static final Logger log = LoggerFactory.getLogger(QueryApprovalApi.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String pod;
    private final Clock clock;
    private final Executor background;

    QueryApprovalApi(KubernetesClient client, String namespace, String pod, Clock clock, Executor background) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.pod = Objects.requireNonNull(pod, "pod");
        this.clock = clock;
        this.background = background;
    }

    /** Creates the object, then sets status.phase Pending through the status subresource. */
    void create(String name, ApprovalRequest request) {
        QueryApproval created;
        try {
            created = resources()
                    .resource(QueryApprovals.build(name, request, pod, clock.instant()))
                    .create();
        } catch (KubernetesClientException e) {
            // A timeout may hide a create that did happen: remove it so nobody approves a dead request.
            runQuietly(
                    "delete QueryApproval " + name + " after a failed create",
                    () -> resources().withName(name).delete());
            throw ApiFailures.unavailable(namespace, "create QueryApproval", e);
        }
        try {
            // Locked to the version just created: never overwrite a phase a reviewer already caused.
            patchStatus(name, created.getMetadata().getResourceVersion(), ApprovalPhase.Pending);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                // The phase is informational for Pending; deciding works from spec.decision.
                log.warn(
                        "QueryApproval {}/{}: cannot set status.phase Pending: {}",
                        namespace,
                        name,
                        ApiFailures.reason(e));
            }
        }
    }

    /**
     * Requests with this key and policy. The label is a full SHA-256 of the key; policy and
     * fingerprint are compared again in full because labels of long values are hashed.
     */
    List<QueryApproval> list(ApprovalRequest request) {
        KubernetesResourceList<QueryApproval> list;
        try {
            list = resources()
                    .withLabel(PgwardenLabels.APPROVAL_KEY, QueryApprovals.keyLabel(request.key()))
                    .withLabel(PgwardenLabels.POLICY, QueryApprovals.labelValue(request.policy()))
                    .list();
        } catch (KubernetesClientException e) {
            throw ApiFailures.unavailable(namespace, "list QueryApprovals", e);
        }
        return list.getItems().stream()
                .filter(a -> a.getSpec() != null && a.getMetadata().getDeletionTimestamp() == null)
                .filter(a -> Objects.equals(a.getSpec().policy(), request.policy()))
                .filter(a -> Objects.equals(a.getSpec().fingerprint(), request.fingerprint()))
                .toList();
    }

    /**
     * Marks an approval used. The status patch carries the resourceVersion we read, which the API
     * server treats as a precondition: of two sessions racing for one approval, the second gets
     * 409 Conflict and looks again.
     */
    boolean consume(QueryApproval approval) {
        String name = approval.getMetadata().getName();
        try {
            patchStatus(name, approval.getMetadata().getResourceVersion(), ApprovalPhase.Executed);
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 404) {
                return false;
            }
            throw ApiFailures.unavailable(namespace, "mark QueryApproval " + name + " as used", e);
        }
    }

    /** Sets status.phase in the background, whatever the version: bookkeeping after the decision. */
    void patchPhaseQuietly(String name, ApprovalPhase phase) {
        runQuietly("set status.phase " + phase + " on QueryApproval " + name, () -> patchStatus(name, null, phase));
    }

    /** Deletes a request in the background: nobody waits for it any more. */
    void deleteQuietly(String name) {
        runQuietly(
                "delete QueryApproval " + name, () -> resources().withName(name).delete());
    }

    /** An informer, not yet started, over the requests this pod filed. */
    SharedIndexInformer<QueryApproval> informer() {
        return resources()
                .withLabel(PgwardenLabels.APPROVAL_POD, QueryApprovals.labelValue(pod))
                .runnableInformer(0);
    }

    String namespace() {
        return namespace;
    }

    private NonNamespaceOperation<QueryApproval, KubernetesResourceList<QueryApproval>, Resource<QueryApproval>>
            resources() {
        return client.resources(QueryApproval.class).inNamespace(namespace);
    }

    /**
     * A JSON merge patch of status.phase through the status subresource; with a resourceVersion it
     * only applies to that version of the object (409 Conflict otherwise).
     */
    private void patchStatus(String name, String resourceVersion, ApprovalPhase phase) {
        resources()
                .withName(name)
                .subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), QueryApprovals.phasePatch(resourceVersion, phase));
    }

    /** Bookkeeping that must not block the caller and whose failure changes no decision. */
    private void runQuietly(String what, Runnable call) {
        try {
            background.execute(() -> {
                try {
                    call.run();
                } catch (RuntimeException e) {
                    log.warn("cannot {} in namespace {}: {}", what, namespace, ApiFailures.reason(e));
                }
            });
        } catch (RejectedExecutionException e) {
            log.warn("cannot {} in namespace {}: the approval gate is closed", what, namespace);
        }
    }
}
