package dev.pgwarden.operator.notify;

import dev.pgwarden.api.v1alpha1.ApprovalNotification;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.NotificationOutcome;
import dev.pgwarden.api.v1alpha1.NotifyChannel;
import dev.pgwarden.api.v1alpha1.NotifyType;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.operator.events.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the channels of a request's policy ({@code approval.notify}) that it waits, once each.
 * The reconciler hands requests over and returns at once; the HTTP calls and their retries run on
 * the notifier's own threads. What a channel was told is written to {@code status.notifications}
 * after each channel, so neither another reconcile nor a restarted operator tells it again (a
 * crash between a delivery and that write can repeat one message: at least once, never lost).
 */
public final class ApprovalNotifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApprovalNotifier.class);
    private static final int THREADS = 2;
    /** Requests told recently, for the moment before the informer's cache shows their new status. */
    private static final int REMEMBERED = 4096;

    private final KubernetesClient client;
    private final EventRecorder events;
    private final Clock clock;
    private final ChannelUrls urls;
    private final WebhookPost post;
    private final NotificationStatus status;
    private final NotificationMetrics metrics;
    private final ExecutorService executor;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Boolean> done = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    });

    public ApprovalNotifier(
            KubernetesClient client, EventRecorder events, Clock clock, MeterRegistry registry, Backoff backoff) {
        this.client = client;
        this.events = events;
        this.clock = clock;
        this.urls = new ChannelUrls(client);
        this.post = new WebhookPost(
                HttpClient.newBuilder()
                        .connectTimeout(backoff.timeout())
                        // A redirect could take the statement's text anywhere; the Secret names the one URL.
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .build(),
                backoff);
        this.status = new NotificationStatus(client);
        this.metrics = new NotificationMetrics(registry);
        AtomicInteger threads = new AtomicInteger();
        ThreadPoolExecutor pool =
                new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
                    Thread thread = new Thread(task, "pgwarden-notify-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        this.executor = pool;
    }

    /**
     * Called for a request still waiting for a decision. Returns at once; the future completes
     * with what this call recorded (empty when every channel was already told, or is being told).
     */
    public CompletableFuture<List<ApprovalNotification>> requested(QueryApproval approval) {
        List<NotifyChannel> channels = untold(approval);
        String key = key(approval);
        if (channels.isEmpty() || !inFlight.add(key)) {
            return CompletableFuture.completedFuture(List.of());
        }
        return CompletableFuture.supplyAsync(() -> tell(approval, channels), executor)
                .whenComplete((recorded, failure) -> {
                    inFlight.remove(key);
                    if (failure != null) {
                        LOG.warn("notifying of QueryApproval {} failed", key, failure);
                    }
                });
    }

    /** The policy's channels that neither the request's status nor this process has recorded. */
    private List<NotifyChannel> untold(QueryApproval approval) {
        if (approval.getSpec() == null || approval.getSpec().policy() == null) {
            return List.of();
        }
        DatabaseAccessPolicy policy;
        try {
            policy = client.resources(DatabaseAccessPolicy.class)
                    .inNamespace(approval.getMetadata().getNamespace())
                    .withName(approval.getSpec().policy())
                    .get();
        } catch (KubernetesClientException e) {
            LOG.warn("cannot read the policy of QueryApproval {}: {}", key(approval), e.getMessage());
            return List.of();
        }
        if (policy == null || policy.getSpec() == null || policy.getSpec().approval() == null) {
            return List.of();
        }
        Set<String> recorded = new HashSet<>();
        if (approval.getStatus() != null) {
            approval.getStatus().notificationsOrEmpty().forEach(n -> recorded.add(n.channel()));
        }
        List<NotifyChannel> untold = new ArrayList<>();
        for (NotifyChannel channel : policy.getSpec().approval().notifyOrEmpty()) {
            if (channel.type() != null
                    && channel.secretRef() != null
                    && !recorded.contains(channel.id())
                    && !done.containsKey(key(approval) + "\u0000" + channel.id())) {
                untold.add(channel);
            }
        }
        return untold;
    }

    private List<ApprovalNotification> tell(QueryApproval approval, List<NotifyChannel> channels) {
        String namespace = approval.getMetadata().getNamespace();
        ApprovalMessage message = ApprovalMessage.of(approval);
        List<ApprovalNotification> all = new ArrayList<>(
                approval.getStatus() == null ? List.of() : approval.getStatus().notificationsOrEmpty());
        List<ApprovalNotification> recorded = new ArrayList<>();
        boolean listExists = !all.isEmpty();
        for (NotifyChannel channel : channels) {
            ApprovalNotification outcome = tellOne(namespace, channel, message);
            all.add(outcome);
            recorded.add(outcome);
            done.put(key(approval) + "\u0000" + channel.id(), Boolean.TRUE);
            try {
                status.write(approval, all, listExists);
                listExists = true;
            } catch (KubernetesClientException e) {
                // Gone (withdrawn or decided and collected) or unwritable: this process still remembers it.
                LOG.warn("cannot record notifications of QueryApproval {}: {}", key(approval), e.getMessage());
            }
            if (outcome.outcome() == NotificationOutcome.Failed) {
                metrics.failed(namespace, channel.id());
                events.record(
                        approval,
                        EventRecorder.Type.Warning,
                        "NotificationFailed",
                        "Notify",
                        "reviewers were not told through " + channel.id() + ": " + outcome.error());
            } else {
                metrics.delivered(namespace, channel.id());
                events.record(
                        approval,
                        EventRecorder.Type.Normal,
                        "Notified",
                        "Notify",
                        "reviewers were told through " + channel.id());
            }
        }
        return recorded;
    }

    private ApprovalNotification tellOne(String namespace, NotifyChannel channel, ApprovalMessage message) {
        URI url;
        try {
            url = urls.url(namespace, channel);
        } catch (ChannelUrls.Unusable e) {
            return outcome(channel, false, 0, e.getMessage());
        } catch (KubernetesClientException e) {
            return outcome(channel, false, 0, "cannot read its Secret: " + e.getMessage());
        }
        String body = channel.type() == NotifyType.Slack ? SlackBody.render(message) : WebhookBody.render(message);
        try {
            WebhookPost.Result result = post.send(url, body);
            return outcome(channel, result.delivered(), result.attempts(), result.error());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return outcome(channel, false, 0, "the operator stopped before it was delivered");
        }
    }

    private ApprovalNotification outcome(NotifyChannel channel, boolean delivered, int attempts, String error) {
        return new ApprovalNotification(
                channel.id(),
                delivered ? NotificationOutcome.Delivered : NotificationOutcome.Failed,
                clock.instant().toString(),
                attempts,
                delivered ? null : error);
    }

    private static String key(QueryApproval approval) {
        String uid = approval.getMetadata().getUid();
        return approval.getMetadata().getNamespace() + "/"
                + approval.getMetadata().getName() + (uid == null ? "" : "/" + uid);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
