package dev.pgwarden.operator.approval;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.v1alpha1.ApprovalPhase;
import dev.pgwarden.api.v1alpha1.Decision;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import io.javaoperatorsdk.operator.api.reconciler.ResourceCache;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * {@code pgwarden_approvals_pending} (requests waiting for a decision) and
 * {@code pgwarden_approvals_pending_oldest_seconds} (how long the oldest has waited), read from the
 * reconciler's informer cache at each scrape: no API call, and only the replica that reconciles
 * (the Lease holder) reports anything but 0.
 */
final class PendingApprovalsGauge {
    static final String PENDING = "pgwarden.approvals.pending";
    static final String OLDEST = "pgwarden.approvals.pending.oldest";

    private final Clock clock;
    private final AtomicReference<ResourceCache<QueryApproval>> cache = new AtomicReference<>();

    PendingApprovalsGauge(MeterRegistry registry, Clock clock) {
        this.clock = clock;
        Gauge.builder(PENDING, this, g -> g.pending().count())
                .description("QueryApprovals waiting for a reviewer's decision")
                .register(registry);
        Gauge.builder(OLDEST, this, PendingApprovalsGauge::oldestSeconds)
                .description("How long the oldest QueryApproval still waiting for a decision has waited")
                .baseUnit("seconds")
                .register(registry);
    }

    /** The reconciler passes its primary cache on each reconcile; the first one is kept. */
    void watch(ResourceCache<QueryApproval> primary) {
        cache.compareAndSet(null, primary);
    }

    private Stream<QueryApproval> pending() {
        ResourceCache<QueryApproval> primary = cache.get();
        if (primary == null) {
            return Stream.empty();
        }
        Instant now = clock.instant();
        return primary.list()
                .filter(a -> a.phaseOrPending() == ApprovalPhase.Pending
                        && a.decisionOrPending() == Decision.Pending
                        && a.expiresAtOrEpoch().isAfter(now));
    }

    private double oldestSeconds() {
        Instant now = clock.instant();
        return pending()
                .map(PendingApprovalsGauge::requestedAt)
                .filter(t -> t != null)
                .min(Instant::compareTo)
                .map(t -> Math.max(0, Duration.between(t, now).toMillis() / 1000.0))
                .orElse(0.0);
    }

    private static Instant requestedAt(QueryApproval approval) {
        String text = approval.annotation(PgwardenAnnotations.REQUESTED_AT);
        if (text == null) {
            text = approval.getMetadata().getCreationTimestamp();
        }
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
