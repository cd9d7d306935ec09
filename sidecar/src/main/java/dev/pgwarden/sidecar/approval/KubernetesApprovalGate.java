package dev.pgwarden.sidecar.approval;

import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.v1alpha1.ApprovalPhase;
import dev.pgwarden.api.v1alpha1.Decision;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.sidecar.approval.ApprovalOutcome.State;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Approval requests as {@code QueryApproval} objects in the pod's namespace, decided by a human
 * with {@code kubectl patch}.
 *
 * <p>Every API call is blocking HTTP, so it runs on the gate's own small pool, never the caller's
 * (event loop) thread. Decisions arrive through one informer per gate, filtered to this pod's
 * requests, so any number of waiting statements share a single watch. The informer re-lists and
 * re-watches by itself after a dropped watch; if it stays down longer than the watch grace, or
 * stops for good, every open wait fails with {@link ApprovalUnavailableException} instead of
 * hanging: the statement is refused, never run.
 */
public final class KubernetesApprovalGate implements ApprovalGate {
  private static final Logger log = LoggerFactory.getLogger(KubernetesApprovalGate.class);
  static final Duration DEFAULT_WATCH_GRACE = Duration.ofSeconds(30);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  /** Retry mode re-reads this often when another session consumes the approval first. */
  private static final int CONSUME_ATTEMPTS = 3;
  private static final int THREADS = 4;
  private static final String ADVICE = "; the statement was not run. Check that the Kubernetes API server is"
      + " reachable and that the sidecar's service account may get, list, watch, create, patch and delete"
      + " queryapprovals.pgwarden.dev and update queryapprovals/status";

  private final KubernetesClient client;
  private final String namespace;
  private final String pod;
  private final Duration watchGrace;
  private final Clock clock;
  private final ScheduledThreadPoolExecutor executor;
  private final Map<String, Wait> waits = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  /** The shared informer and its start, or null until the first submit (Retry mode never watches). */
  private Watching watching;
  private volatile boolean closed;

  /** What a reviewer runs; the operator's webhook stamps who ran it. */
  @Override
  public String approveCommand(String name) {
    return "kubectl -n " + namespace + " patch queryapproval " + name
        + " --type merge -p '{\"spec\":{\"decision\":\"Approved\"}}'";
  }

  public KubernetesApprovalGate(KubernetesClient client, String namespace, String pod) {
    this(client, namespace, pod, DEFAULT_WATCH_GRACE, Clock.systemUTC());
  }

  /** @param watchGrace how long the watch may be down before open waits fail */
  KubernetesApprovalGate(KubernetesClient client, String namespace, String pod, Duration watchGrace, Clock clock) {
    this.client = Objects.requireNonNull(client, "client");
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.pod = Objects.requireNonNull(pod, "pod");
    this.watchGrace = watchGrace;
    this.clock = clock;
    AtomicInteger threads = new AtomicInteger();
    this.executor = new ScheduledThreadPoolExecutor(THREADS, task -> {
      Thread thread = new Thread(task, "pgwarden-approval-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  public CompletableFuture<PendingApproval> submit(ApprovalRequest request) {
    return onExecutor("create QueryApproval", () -> {
      ensureWatching();
      String name = QueryApprovals.newName();
      Wait wait = new Wait(name, request.expiresAt());
      // Registered before the object exists, so no event about it can arrive unseen.
      waits.put(name, wait);
      try {
        create(name, request);
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
      throw unavailable("use an approved QueryApproval",
          new IllegalStateException("other sessions kept changing it; try again"));
    });
  }

  /** One pass of Retry mode; empty when another session used the approval first. */
  private Optional<ApprovalOutcome> lookUp(ApprovalRequest request) {
    List<QueryApproval> matching = list(request);
    Instant now = clock.instant();
    Optional<QueryApproval> approved = matching.stream()
        .filter(a -> a.decisionOrPending() == Decision.Approved)
        .filter(a -> !QueryApprovals.consumedOrExpired(a) && !QueryApprovals.expired(a, now))
        .min(Comparator.comparing(QueryApprovals::requestedAt));
    if (approved.isPresent()) {
      QueryApproval a = approved.get();
      return consume(a)
          ? Optional.of(decided(a, State.APPROVED))
          : Optional.empty();
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
    create(name, request);
    return Optional.of(new ApprovalOutcome(name, State.REQUESTED, null, null));
  }

  /**
   * Requests with this key and policy. The label is a full SHA-256 of the key; policy and
   * fingerprint are compared again in full because labels of long values are hashed.
   */
  private List<QueryApproval> list(ApprovalRequest request) {
    KubernetesResourceList<QueryApproval> list;
    try {
      list = resources()
          .withLabel(PgwardenLabels.APPROVAL_KEY, QueryApprovals.keyLabel(request.key()))
          .withLabel(PgwardenLabels.POLICY, QueryApprovals.labelValue(request.policy()))
          .list();
    } catch (KubernetesClientException e) {
      throw unavailable("list QueryApprovals", e);
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
      throw unavailable("mark QueryApproval " + name + " as used", e);
    }
  }

  private static ApprovalOutcome decided(QueryApproval approval, State state) {
    return new ApprovalOutcome(approval.getMetadata().getName(), state,
        QueryApprovals.reviewer(approval), QueryApprovals.comment(approval));
  }

  /** Creates the object, then sets status.phase Pending through the status subresource. */
  private void create(String name, ApprovalRequest request) {
    QueryApproval created;
    try {
      created = resources().resource(QueryApprovals.build(name, request, pod, clock.instant())).create();
    } catch (KubernetesClientException e) {
      // A timeout may hide a create that did happen: remove it so nobody approves a dead request.
      runQuietly("delete QueryApproval " + name + " after a failed create",
          () -> resources().withName(name).delete());
      throw unavailable("create QueryApproval", e);
    }
    try {
      // Locked to the version just created: never overwrite a phase a reviewer already caused.
      patchStatus(name, created.getMetadata().getResourceVersion(), ApprovalPhase.Pending);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        // The phase is informational for Pending; deciding works from spec.decision.
        log.warn("QueryApproval {}/{}: cannot set status.phase Pending: {}", namespace, name, reason(e));
      }
    }
  }

  private void ensureWatching() throws InterruptedException {
    Watching current;
    synchronized (lock) {
      if (closed) {
        throw unavailable("watch QueryApprovals", new IllegalStateException("the approval gate is closed"));
      }
      if (watching == null) {
        watching = startWatching();
      }
      current = watching;
    }
    try {
      current.started.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      discard(current);
      throw unavailable("watch QueryApprovals", e);
    }
    if (current.downFor() > watchGrace.toNanos()) {
      throw unavailable("watch QueryApprovals", new IllegalStateException(
          "the watch has been down for " + Duration.ofNanos(current.downFor()).toSeconds() + "s"));
    }
  }

  private Watching startWatching() {
    SharedIndexInformer<QueryApproval> informer = resources()
        .withLabel(PgwardenLabels.APPROVAL_POD, QueryApprovals.labelValue(pod))
        .runnableInformer(0);
    informer.addEventHandler(new ResourceEventHandler<QueryApproval>() {
      @Override
      public void onAdd(QueryApproval approval) {
        observe(approval);
      }

      @Override
      public void onUpdate(QueryApproval before, QueryApproval after) {
        observe(after);
      }

      @Override
      public void onDelete(QueryApproval approval, boolean finalStateUnknown) {
        Wait wait = waits.get(approval.getMetadata().getName());
        if (wait != null) {
          wait.finish(new ApprovalOutcome(wait.name, State.DENIED, null,
              "QueryApproval " + wait.name + " was deleted before a decision"));
        }
      }
    });
    // Before the first sync, give up (the submit fails closed); afterwards keep re-watching and
    // let the health check bound how long waits go without news.
    informer.exceptionHandler((started, error) -> {
      log.warn("watch on QueryApprovals in namespace {} failed{}: {}", namespace,
          started ? " (retrying)" : "", reason(error));
      return started;
    });
    Watching current = new Watching(informer);
    long period = Math.max(100, Math.min(watchGrace.toMillis() / 4, 5_000));
    current.healthCheck = executor.scheduleWithFixedDelay(
        () -> checkWatch(current), period, period, TimeUnit.MILLISECONDS);
    current.started = informer.start().toCompletableFuture();
    informer.stopped().whenComplete((ignored, error) -> onStopped(current, error));
    return current;
  }

  private void observe(QueryApproval approval) {
    Wait wait = waits.get(approval.getMetadata().getName());
    if (wait != null) {
      wait.observe(approval);
    }
  }

  /**
   * Fails every open wait once the watch has been down for longer than the grace. Monotonic time,
   * not the clock: this measures an outage, not a wall-clock deadline.
   */
  private void checkWatch(Watching current) {
    if (current.informer.isWatching()) {
      current.notWatchingSince = 0;
      return;
    }
    if (current.notWatchingSince == 0) {
      current.notWatchingSince = System.nanoTime();
    } else if (current.downFor() > watchGrace.toNanos() && !waits.isEmpty()) {
      failAll(unavailable("watch QueryApprovals", new IllegalStateException("the watch has been down for "
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
      failAll(unavailable("watch QueryApprovals",
          error != null ? error : new IllegalStateException("the watch stopped")));
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

  private void failAll(ApprovalUnavailableException error) {
    for (Wait wait : waits.values()) {
      wait.fail(error);
    }
  }

  /**
   * A JSON merge patch of status.phase through the status subresource; with a resourceVersion it
   * only applies to that version of the object (409 Conflict otherwise).
   */
  private void patchStatus(String name, String resourceVersion, ApprovalPhase phase) {
    resources().withName(name)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), QueryApprovals.phasePatch(resourceVersion, phase));
  }

  private void patchPhaseQuietly(String name, ApprovalPhase phase) {
    runQuietly("set status.phase " + phase + " on QueryApproval " + name, () -> patchStatus(name, null, phase));
  }

  /** Bookkeeping that must not block the caller and whose failure changes no decision. */
  private void runQuietly(String what, Runnable call) {
    try {
      executor.execute(() -> {
        try {
          call.run();
        } catch (RuntimeException e) {
          log.warn("cannot {} in namespace {}: {}", what, namespace, reason(e));
        }
      });
    } catch (RejectedExecutionException e) {
      log.warn("cannot {} in namespace {}: the approval gate is closed", what, namespace);
    }
  }

  private NonNamespaceOperation<QueryApproval, KubernetesResourceList<QueryApproval>, Resource<QueryApproval>>
      resources() {
    return client.resources(QueryApproval.class).inNamespace(namespace);
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
          result.completeExceptionally(unavailable(what, e));
        } catch (Exception e) {
          result.completeExceptionally(unavailable(what, e));
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(unavailable(what, new IllegalStateException("the approval gate is closed")));
    }
    return result;
  }

  private ApprovalUnavailableException unavailable(String what, Throwable cause) {
    return new ApprovalUnavailableException(
        "cannot " + what + " in namespace " + namespace + ": " + reason(cause) + ADVICE, cause);
  }

  /** What went wrong in words a person can act on: the HTTP status, or the network error. */
  static String reason(Throwable error) {
    Throwable e = error;
    while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof KubernetesClientException k && k.getCode() > 0) {
      String message = k.getStatus() != null && k.getStatus().getMessage() != null
          ? k.getStatus().getMessage() : k.getMessage();
      return "the API server answered HTTP " + k.getCode() + " (" + message + ")";
    }
    if (e instanceof TimeoutException) {
      return "no answer within " + START_TIMEOUT.toSeconds() + "s";
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null ? root.getClass().getSimpleName() : root.getClass().getSimpleName() + ": " + message;
  }

  @Override
  public void close() {
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
    ApprovalUnavailableException closing =
        unavailable("wait for a decision", new IllegalStateException("the approval gate is closing"));
    for (Wait wait : waits.values()) {
      wait.fail(closing);
      // Nobody is left to run the statement: leave no request a reviewer could still approve.
      runQuietly("delete QueryApproval " + wait.name, () -> resources().withName(wait.name).delete());
    }
    // Queued deletions and phase updates still run; timers do not.
    executor.shutdown();
  }

  /** For tests that must wait until queued calls have run. */
  java.util.concurrent.ExecutorService executorForTest() {
    return executor;
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

  /** One submitted request: completed by the informer, its expiry timer, or a failure. */
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
      long delay = Math.max(0, Duration.between(clock.instant(), expiresAt).toMillis());
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
        default -> {
        }
      }
    }

    void expire() {
      if (finish(new ApprovalOutcome(name, State.EXPIRED, null, null))) {
        patchPhaseQuietly(name, ApprovalPhase.Expired);
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
      runQuietly("delete QueryApproval " + name, () -> resources().withName(name).delete());
    }

    @Override
    public void executed(boolean succeeded) {
      patchPhaseQuietly(name, succeeded ? ApprovalPhase.Executed : ApprovalPhase.Failed);
    }
  }
}
