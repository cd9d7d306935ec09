package dev.pgwarden.operator.approval;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.v1alpha1.ApprovalPhase;
import dev.pgwarden.api.v1alpha1.Decision;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.operator.events.EventRecorder;
import dev.pgwarden.operator.notify.ApprovalNotifier;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Moves QueryApprovals through their life: a reviewer's decision becomes {@code status.phase}
 * with who and when (from the webhook's stamp), a pending request past {@code expiresAt} becomes
 * Expired, and closed requests are deleted once the retention has passed. Each step is recorded
 * as a Kubernetes Event. A request still waiting is handed to the {@link ApprovalNotifier}, which
 * tells the policy's channels.
 *
 * <p>Status is written with the resourceVersion read, as a precondition: the sidecar marks
 * approvals Executed concurrently, and a stale write must never move a phase backwards.
 * Generation-aware filtering is off because the sidecar's status writes matter here too.
 */
@ControllerConfiguration(name = ApprovalReconciler.NAME, generationAwareEventProcessing = false)
public final class ApprovalReconciler implements Reconciler<QueryApproval> {
    public static final String NAME = "queryapproval";
    private static final Duration MIN_RECHECK = Duration.ofSeconds(1);

    private final KubernetesClient client;
    private final EventRecorder events;
    private final Clock clock;
    private final Duration retention;
    private final ApprovalNotifier notifier;
    private final PendingApprovalsGauge pending;

    public ApprovalReconciler(
            KubernetesClient client,
            EventRecorder events,
            Clock clock,
            Duration retention,
            ApprovalNotifier notifier,
            MeterRegistry registry) {
        this.client = client;
        this.events = events;
        this.clock = clock;
        this.retention = retention;
        this.notifier = notifier;
        this.pending = new PendingApprovalsGauge(registry, clock);
    }

    @Override
    public UpdateControl<QueryApproval> reconcile(QueryApproval approval, Context<QueryApproval> context) {
        pending.watch(context.getPrimaryCache());
        Instant now = clock.instant();
        ApprovalPhase phase = approval.phaseOrPending();
        Decision decision = approval.decisionOrPending();
        if (phase == ApprovalPhase.Pending) {
            Instant expires = approval.expiresAtOrEpoch();
            // A decision only counts before the deadline (the webhook refuses late ones; this covers its absence).
            if (decision != Decision.Pending && expires.isAfter(now)) {
                recordDecision(approval, decision);
                return UpdateControl.noUpdate();
            }
            if (!expires.isAfter(now)) {
                writeStatus(approval, ApprovalPhase.Expired, null, null);
                events.record(
                        approval,
                        EventRecorder.Type.Normal,
                        "Expired",
                        "Expire",
                        "no reviewer decided before " + expires
                                + "; the statement was not run (the agent may ask again)");
                return UpdateControl.noUpdate();
            }
            // Still waiting: reviewers hear of it (once per channel; the notifier keeps count).
            notifier.requested(approval);
            return UpdateControl.<QueryApproval>noUpdate().rescheduleAfter(atLeast(Duration.between(now, expires)));
        }
        if (phase != ApprovalPhase.Expired && decision != Decision.Pending) {
            fillReviewer(approval);
        }
        Instant deleteAt = ApprovalReview.closedAt(approval).plus(retention);
        if (!deleteAt.isAfter(now)) {
            client.resource(approval)
                    .withTimeout(0, java.util.concurrent.TimeUnit.SECONDS)
                    .delete();
            events.record(
                    approval,
                    EventRecorder.Type.Normal,
                    "Deleted",
                    "GarbageCollect",
                    "closed as " + phase + " and older than the retention of " + retention);
            return UpdateControl.noUpdate();
        }
        return UpdateControl.<QueryApproval>noUpdate().rescheduleAfter(atLeast(Duration.between(now, deleteAt)));
    }

    private void recordDecision(QueryApproval approval, Decision decision) {
        String reviewer = approval.annotation(PgwardenAnnotations.REVIEWED_BY);
        String reviewedAt = approval.annotation(PgwardenAnnotations.REVIEWED_AT);
        ApprovalPhase phase = decision == Decision.Approved ? ApprovalPhase.Approved : ApprovalPhase.Denied;
        writeStatus(approval, phase, reviewer, reviewedAt);
        String by = reviewer == null
                ? "an unknown reviewer (the pgwarden webhook did not stamp it: check the"
                        + " MutatingWebhookConfiguration)"
                : reviewer;
        events.record(
                approval,
                reviewer == null ? EventRecorder.Type.Warning : EventRecorder.Type.Normal,
                phase.name(),
                "Review",
                phase + " by " + by + " (rule " + ruleOf(approval) + ")");
    }

    /** A decision the sidecar marked Executed before this reconciler saw it still gets its reviewer. */
    private void fillReviewer(QueryApproval approval) {
        if (approval.getStatus() != null && approval.getStatus().reviewedBy() == null) {
            String reviewer = approval.annotation(PgwardenAnnotations.REVIEWED_BY);
            if (reviewer != null) {
                writeStatus(
                        approval,
                        approval.getStatus().phase(),
                        reviewer,
                        approval.annotation(PgwardenAnnotations.REVIEWED_AT));
            }
        }
    }

    private void writeStatus(QueryApproval approval, ApprovalPhase phase, String reviewedBy, String reviewedAt) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("phase", phase.name());
        if (reviewedBy != null) {
            status.put("reviewedBy", reviewedBy);
        }
        if (reviewedAt != null) {
            status.put("reviewedAt", reviewedAt);
        }
        Map<String, Object> patch = Map.of(
                "metadata", Map.of("resourceVersion", approval.getMetadata().getResourceVersion()), "status", status);
        try {
            client.resources(QueryApproval.class)
                    .inNamespace(approval.getMetadata().getNamespace())
                    .withName(approval.getMetadata().getName())
                    .subresource("status")
                    .patch(
                            PatchContext.of(PatchType.JSON_MERGE),
                            client.getKubernetesSerialization().asJson(patch));
        } catch (KubernetesClientException e) {
            // 409: someone (the sidecar) wrote first; the new version brings a new reconcile.
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    /** Events are readable by anyone who may list them in the namespace: name the rule, never the statement's text. */
    private static String ruleOf(QueryApproval approval) {
        return approval.getSpec() == null || approval.getSpec().rule() == null
                ? "none"
                : approval.getSpec().rule();
    }

    private static Duration atLeast(Duration wait) {
        return wait.compareTo(MIN_RECHECK) < 0 ? MIN_RECHECK : wait.plusMillis(200);
    }
}
