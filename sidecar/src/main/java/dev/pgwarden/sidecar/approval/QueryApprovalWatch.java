package dev.pgwarden.sidecar.approval;

import dev.pgwarden.api.v1alpha1.QueryApproval;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One informer over this pod's QueryApprovals, shared by every waiting statement, started on first
 * use. The informer re-lists and re-watches by itself after a dropped watch; if it stays down
 * longer than the grace, or stops for good, the listener hears that decisions can no longer be
 * seen, so no wait hangs.
 */
final class QueryApprovalWatch {
    private static final Logger log = LoggerFactory.getLogger(QueryApprovalWatch.class);

    /** What the watch reports to. Called on the informer's and the executor's threads. */
    interface Listener {
        void changed(QueryApproval approval);

        void deleted(QueryApproval approval);

        /** Decisions can no longer be seen: every open wait must fail. */
        void lost(ApprovalUnavailableException error);
    }

    private final QueryApprovalApi api;
    private final Duration grace;
    private final ScheduledExecutorService executor;
    private final Listener listener;
    private final Object lock = new Object();
    /** The shared informer and its start, or null until the first use (Retry mode never watches). */
    private Watching watching;

    private volatile boolean closed;

    /** @param grace how long the watch may be down before open waits fail */
    QueryApprovalWatch(QueryApprovalApi api, Duration grace, ScheduledExecutorService executor, Listener listener) {
        this.api = api;
        this.grace = grace;
        this.executor = executor;
        this.listener = listener;
    }

    /**
     * Starts the watch if needed and waits until it has synced; fails when it cannot start, has been
     * down longer than the grace, or is closed.
     */
    void ensureWatching() throws InterruptedException {
        Watching current;
        synchronized (lock) {
            if (closed) {
                throw unavailable(new IllegalStateException("the approval gate is closed"));
            }
            if (watching == null) {
                watching = start();
            }
            current = watching;
        }
        try {
            current.started.get(ApiFailures.START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            discard(current);
            throw unavailable(e);
        }
        if (current.downFor() > grace.toNanos()) {
            throw unavailable(new IllegalStateException("the watch has been down for "
                    + Duration.ofNanos(current.downFor()).toSeconds() + "s"));
        }
    }

    /** Stops the informer for good; what it would still report is not reported. */
    void close() {
        Watching current;
        synchronized (lock) {
            closed = true;
            current = watching;
            watching = null;
        }
        if (current != null) {
            current.healthCheck.cancel(false);
            current.informer.stop();
        }
    }

    private Watching start() {
        SharedIndexInformer<QueryApproval> informer = api.informer();
        informer.addEventHandler(new ResourceEventHandler<QueryApproval>() {
            @Override
            public void onAdd(QueryApproval approval) {
                listener.changed(approval);
            }

            @Override
            public void onUpdate(QueryApproval before, QueryApproval after) {
                listener.changed(after);
            }

            @Override
            public void onDelete(QueryApproval approval, boolean finalStateUnknown) {
                listener.deleted(approval);
            }
        });
        // Before the first sync, give up (the submit fails closed); afterwards keep re-watching and
        // let the health check bound how long waits go without news.
        informer.exceptionHandler((started, error) -> {
            log.warn(
                    "watch on QueryApprovals in namespace {} failed{}: {}",
                    api.namespace(),
                    started ? " (retrying)" : "",
                    ApiFailures.reason(error));
            return started;
        });
        Watching current = new Watching(informer);
        long period = Math.max(100, Math.min(grace.toMillis() / 4, 5_000));
        current.healthCheck =
                executor.scheduleWithFixedDelay(() -> check(current), period, period, TimeUnit.MILLISECONDS);
        current.started = informer.start().toCompletableFuture();
        informer.stopped().whenComplete((ignored, error) -> onStopped(current, error));
        return current;
    }

    /**
     * Reports the watch lost once it has been down for longer than the grace. Monotonic time, not
     * the clock: this measures an outage, not a wall-clock deadline.
     */
    private void check(Watching current) {
        if (current.informer.isWatching()) {
            current.notWatchingSince = 0;
            return;
        }
        if (current.notWatchingSince == 0) {
            current.notWatchingSince = System.nanoTime();
        } else if (current.downFor() > grace.toNanos()) {
            listener.lost(unavailable(new IllegalStateException("the watch has been down for "
                    + Duration.ofNanos(current.downFor()).toSeconds() + "s, so decisions cannot be seen")));
        }
    }

    private void onStopped(Watching stopped, Throwable error) {
        synchronized (lock) {
            if (watching != stopped) {
                return;
            }
            watching = null;
        }
        stopped.healthCheck.cancel(false);
        if (!closed) {
            listener.lost(unavailable(error != null ? error : new IllegalStateException("the watch stopped")));
        }
    }

    private void discard(Watching failed) {
        synchronized (lock) {
            if (watching == failed) {
                watching = null;
            }
        }
        failed.healthCheck.cancel(false);
        failed.informer.stop();
    }

    private ApprovalUnavailableException unavailable(Throwable cause) {
        return ApiFailures.unavailable(api.namespace(), "watch QueryApprovals", cause);
    }

    /** The shared informer, when it first synced, and since when it has not been watching. */
    private static final class Watching {
        final SharedIndexInformer<QueryApproval> informer;
        volatile CompletableFuture<Void> started;
        /** System.nanoTime() when the watch was first seen down, 0 while it is up. */
        volatile long notWatchingSince;

        volatile ScheduledFuture<?> healthCheck;

        Watching(SharedIndexInformer<QueryApproval> informer) {
            this.informer = informer;
        }

        long downFor() {
            long since = notWatchingSince;
            return since == 0 ? 0 : System.nanoTime() - since;
        }
    }
}
