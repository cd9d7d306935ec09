package dev.pgwarden.sidecar.approval;

import dev.pgwarden.api.cluster.DecisionPatch;
import dev.pgwarden.api.v1alpha1.ApprovalPhase;
import dev.pgwarden.api.v1alpha1.Decision;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.sidecar.approval.ApprovalOutcome.State;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Approval requests as {@code QueryApproval} objects in the pod's namespace, decided by a human
 * with {@code kubectl patch}: the waiting side. {@link QueryApprovalApi} makes the calls,
 * {@link QueryApprovalWatch} brings the decisions; this class pairs them with the statements that
 * wait, ends each wait at its request's expiry, and answers Retry mode.
 *
 * <p>Every API call runs on the gate's own small pool, never the caller's (event loop) thread.
 * When decisions cannot be seen (the watch is down longer than its grace, or stopped), every open
 * wait fails with {@link ApprovalUnavailableException} instead of hanging: the statement is
 * refused, never run.
 */
public final class KubernetesApprovalGate implements ApprovalGate {
    static final Duration DEFAULT_WATCH_GRACE = Duration.ofSeconds(30);
    /** Retry mode re-reads this often when another session consumes the approval first. */
    private static final int CONSUME_ATTEMPTS = 3;

    private static final int THREADS = 4;

    private final String namespace;
    private final Clock clock;
    private final ScheduledThreadPoolExecutor executor;
    private final QueryApprovalApi api;
    private final QueryApprovalWatch watch;
    private final Map<String, Wait> waits = new ConcurrentHashMap<>();

    /** What a reviewer runs; the operator's webhook stamps who ran it. */
    @Override
    public String approveCommand(String name) {
        return DecisionPatch.kubectlCommand(namespace, name, Decision.Approved, null);
    }

    public KubernetesApprovalGate(KubernetesClient client, String namespace, String pod) {
        this(client, namespace, pod, DEFAULT_WATCH_GRACE, Clock.systemUTC());
    }

    /** @param watchGrace how long the watch may be down before open waits fail */
    KubernetesApprovalGate(KubernetesClient client, String namespace, String pod, Duration watchGrace, Clock clock) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(pod, "pod");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.clock = clock;
        AtomicInteger threads = new AtomicInteger();
        this.executor = new ScheduledThreadPoolExecutor(THREADS, task -> {
            Thread thread = new Thread(task, "pgwarden-approval-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.api = new QueryApprovalApi(client, namespace, pod, clock, executor);
        this.watch = new QueryApprovalWatch(api, watchGrace, executor, new QueryApprovalWatch.Listener() {
            @Override
            public void changed(QueryApproval approval) {
                Wait wait = waits.get(approval.getMetadata().getName());
                if (wait != null) {
                    wait.observe(approval);
                }
            }

            @Override
            public void deleted(QueryApproval approval) {
                Wait wait = waits.get(approval.getMetadata().getName());
                if (wait != null) {
                    wait.finish(new ApprovalOutcome(
                            wait.name,
                            State.DENIED,
                            null,
                            "QueryApproval " + wait.name + " was deleted before a decision"));
                }
            }

            @Override
            public void lost(ApprovalUnavailableException error) {
                for (Wait wait : waits.values()) {
                    wait.fail(error);
                }
            }
        });
    }

    @Override
    public CompletableFuture<PendingApproval> submit(ApprovalRequest request) {
        return onExecutor("create QueryApproval", () -> {
            watch.ensureWatching();
            String name = QueryApprovals.newName();
            Wait wait = new Wait(name, request.expiresAt());
            // Registered before the object exists, so no event about it can arrive unseen.
            waits.put(name, wait);
            try {
                api.create(name, request);
            } catch (ApprovalUnavailableException e) {
                waits.remove(name, wait);
                throw e;
            }
            wait.armExpiry();
            return wait;
        });
    }

    @Override
    public CompletableFuture<ApprovalOutcome> retry(ApprovalRequest request) {
        return onExecutor("look up QueryApprovals", () -> {
            for (int attempt = 0; attempt < CONSUME_ATTEMPTS; attempt++) {
                Optional<ApprovalOutcome> answer = lookUp(request);
                if (answer.isPresent()) {
                    return answer.get();
                }
            }
            throw ApiFailures.unavailable(
                    namespace,
                    "use an approved QueryApproval",
                    new IllegalStateException("other sessions kept changing it; try again"));
        });
    }

    /** One pass of Retry mode; empty when another session used the approval first. */
    private Optional<ApprovalOutcome> lookUp(ApprovalRequest request) {
        List<QueryApproval> matching = api.list(request);
        Instant now = clock.instant();
        Optional<QueryApproval> approved = matching.stream()
                .filter(a -> a.decisionOrPending() == Decision.Approved)
                .filter(a -> !QueryApprovals.consumedOrExpired(a) && !QueryApprovals.expired(a, now))
                .min(Comparator.comparing(QueryApprovals::requestedAt));
        if (approved.isPresent()) {
            QueryApproval a = approved.get();
            return consume(a) ? Optional.of(decided(a, State.APPROVED)) : Optional.empty();
        }
        Optional<QueryApproval> pending = matching.stream()
                .filter(a -> a.decisionOrPending() == Decision.Pending)
                .filter(a -> a.phaseOrPending() != ApprovalPhase.Expired && !QueryApprovals.expired(a, now))
                .findFirst();
        if (pending.isPresent()) {
            return Optional.of(new ApprovalOutcome(pending.get().getMetadata().getName(), State.PENDING, null, null));
        }
        Optional<QueryApproval> newest = matching.stream().max(Comparator.comparing(QueryApprovals::requestedAt));
        if (newest.isPresent() && newest.get().decisionOrPending() == Decision.Denied) {
            return Optional.of(decided(newest.get(), State.DENIED));
        }
        String name = QueryApprovals.newName();
        api.create(name, request);
        return Optional.of(new ApprovalOutcome(name, State.REQUESTED, null, null));
    }

    /** Marks an approval used; false when another session did first (see {@link QueryApprovalApi#consume}). */
    boolean consume(QueryApproval approval) {
        return api.consume(approval);
    }

    private static ApprovalOutcome decided(QueryApproval approval, State state) {
        return new ApprovalOutcome(
                approval.getMetadata().getName(),
                state,
                QueryApprovals.reviewer(approval),
                QueryApprovals.comment(approval));
    }

    private <T> CompletableFuture<T> onExecutor(String what, Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    result.complete(task.call());
                } catch (ApprovalUnavailableException e) {
                    result.completeExceptionally(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    result.completeExceptionally(ApiFailures.unavailable(namespace, what, e));
                } catch (Exception e) {
                    result.completeExceptionally(ApiFailures.unavailable(namespace, what, e));
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(
                    ApiFailures.unavailable(namespace, what, new IllegalStateException("the approval gate is closed")));
        }
        return result;
    }

    @Override
    public void close() {
        watch.close();
        ApprovalUnavailableException closing = ApiFailures.unavailable(
                namespace, "wait for a decision", new IllegalStateException("the approval gate is closing"));
        for (Wait wait : waits.values()) {
            wait.fail(closing);
            // Nobody is left to run the statement: leave no request a reviewer could still approve.
            api.deleteQuietly(wait.name);
        }
        // Queued deletions and phase updates still run; timers do not.
        executor.shutdown();
    }

    /** For tests that must wait until queued calls have run. */
    java.util.concurrent.ExecutorService executorForTest() {
        return executor;
    }

    /** One submitted request: completed by the watch, its expiry timer, or a failure. */
    private final class Wait implements PendingApproval {
        final String name;
        final Instant expiresAt;
        final CompletableFuture<ApprovalOutcome> outcome = new CompletableFuture<>();
        volatile ScheduledFuture<?> expiry;

        Wait(String name, Instant expiresAt) {
            this.name = name;
            this.expiresAt = expiresAt;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public CompletableFuture<ApprovalOutcome> outcome() {
            return outcome;
        }

        void armExpiry() {
            long delay =
                    Math.max(0, Duration.between(clock.instant(), expiresAt).toMillis());
            expiry = executor.schedule(this::expire, delay, TimeUnit.MILLISECONDS);
            if (outcome.isDone()) {
                expiry.cancel(false);
            }
        }

        void observe(QueryApproval approval) {
            // A decision that lands after expiresAt does not count: the reviewer saw a stale request.
            if (approval.phaseOrPending() == ApprovalPhase.Expired
                    || QueryApprovals.expired(approval, clock.instant())) {
                expire();
                return;
            }
            switch (approval.decisionOrPending()) {
                case Approved -> finish(decided(approval, State.APPROVED));
                case Denied -> finish(decided(approval, State.DENIED));
                default -> {}
            }
        }

        void expire() {
            if (finish(new ApprovalOutcome(name, State.EXPIRED, null, null))) {
                api.patchPhaseQuietly(name, ApprovalPhase.Expired);
            }
        }

        boolean finish(ApprovalOutcome result) {
            stopWaiting();
            return outcome.complete(result);
        }

        void fail(ApprovalUnavailableException error) {
            stopWaiting();
            outcome.completeExceptionally(error);
        }

        private void stopWaiting() {
            waits.remove(name, this);
            ScheduledFuture<?> timer = expiry;
            if (timer != null) {
                timer.cancel(false);
            }
        }

        /**
         * Deletes a request that is still undecided (or whose wait failed) and cancels its outcome. A
         * decided request is kept: it is the record of what the reviewer decided and whether it ran,
         * and the operator garbage-collects it after its retention period.
         */
        @Override
        public void withdraw() {
            if (outcome.isDone() && !outcome.isCompletedExceptionally()) {
                return;
            }
            stopWaiting();
            outcome.cancel(false);
            api.deleteQuietly(name);
        }

        @Override
        public void executed(boolean succeeded) {
            api.patchPhaseQuietly(name, succeeded ? ApprovalPhase.Executed : ApprovalPhase.Failed);
        }
    }
}
