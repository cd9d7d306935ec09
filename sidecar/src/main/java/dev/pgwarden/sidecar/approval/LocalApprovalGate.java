package dev.pgwarden.sidecar.approval;

import dev.pgwarden.sidecar.approval.ApprovalOutcome.State;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The approval gate of {@code pgwarden local}: requests live in memory and are decided through
 * {@link LocalApprovalEndpoint} by {@code pgwarden approve} and {@code pgwarden deny}. Same
 * semantics as the Kubernetes gate: approvals cover one exact statement (by key), are used once in
 * Retry mode, and expire.
 */
public final class LocalApprovalGate implements ApprovalGate {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    /** One request as the endpoint shows it. Mutable fields are guarded by the gate's lock. */
    public static final class Entry {
        final String name;
        final ApprovalRequest request;
        final Instant created;
        final CompletableFuture<ApprovalOutcome> outcome = new CompletableFuture<>();
        volatile String phase = "Pending";
        volatile String reviewer;
        volatile String comment;

        Entry(String name, ApprovalRequest request, Instant created) {
            this.name = name;
            this.request = request;
            this.created = created;
        }

        public String name() {
            return name;
        }

        public ApprovalRequest request() {
            return request;
        }

        public Instant created() {
            return created;
        }

        public String phase() {
            return phase;
        }

        public String reviewer() {
            return reviewer;
        }

        public String comment() {
            return comment;
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final ScheduledExecutorService timers;
    private final Clock clock;

    public LocalApprovalGate(Clock clock) {
        this.clock = clock;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgwarden-local-approvals");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public CompletableFuture<PendingApproval> submit(ApprovalRequest request) {
        Entry e = create(request);
        return CompletableFuture.completedFuture(new PendingApproval() {
            @Override
            public String name() {
                return e.name;
            }

            @Override
            public CompletableFuture<ApprovalOutcome> outcome() {
                return e.outcome;
            }

            @Override
            public void withdraw() {
                finish(e, "Withdrawn", State.EXPIRED, null, "withdrawn: the client stopped waiting");
            }

            @Override
            public void executed(boolean succeeded) {
                synchronized (LocalApprovalGate.this) {
                    e.phase = succeeded ? "Executed" : "Failed";
                }
            }
        });
    }

    @Override
    public synchronized CompletableFuture<ApprovalOutcome> retry(ApprovalRequest request) {
        Instant now = clock.instant();
        Entry latest = null;
        for (Entry e : entries.values()) {
            if (!e.request.key().equals(request.key())) {
                continue;
            }
            if (e.phase.equals("Approved") && now.isBefore(e.request.expiresAt())) {
                e.phase = "Executed";
                return CompletableFuture.completedFuture(
                        new ApprovalOutcome(e.name, State.APPROVED, e.reviewer, e.comment));
            }
            if (e.phase.equals("Pending") && now.isBefore(e.request.expiresAt())) {
                return CompletableFuture.completedFuture(new ApprovalOutcome(e.name, State.PENDING, null, null));
            }
            latest = e;
        }
        if (latest != null && latest.phase.equals("Denied")) {
            return CompletableFuture.completedFuture(
                    new ApprovalOutcome(latest.name, State.DENIED, latest.reviewer, latest.comment));
        }
        Entry e = create(request);
        return CompletableFuture.completedFuture(new ApprovalOutcome(e.name, State.REQUESTED, null, null));
    }

    private synchronized Entry create(ApprovalRequest request) {
        StringBuilder name = new StringBuilder("pgw-");
        for (int i = 0; i < 10; i++) {
            name.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        Entry e = new Entry(name.toString(), request, clock.instant());
        entries.put(e.name, e);
        long delay = Math.max(0, request.expiresAt().toEpochMilli() - clock.millis());
        timers.schedule(() -> finish(e, "Expired", State.EXPIRED, null, null), delay, TimeUnit.MILLISECONDS);
        return e;
    }

    /** Decides a pending request: what {@code pgwarden approve} and {@code pgwarden deny} do. */
    public boolean decide(String name, boolean approve, String reviewer, String comment) {
        Entry e;
        synchronized (this) {
            e = entries.get(name);
            if (e == null || !e.phase.equals("Pending")) {
                return false;
            }
        }
        return finish(e, approve ? "Approved" : "Denied", approve ? State.APPROVED : State.DENIED, reviewer, comment);
    }

    private boolean finish(Entry e, String phase, State state, String reviewer, String comment) {
        synchronized (this) {
            if (!e.phase.equals("Pending")) {
                return false;
            }
            e.phase = phase;
            e.reviewer = reviewer;
            e.comment = comment;
        }
        e.outcome.complete(new ApprovalOutcome(e.name, state, reviewer, comment));
        return true;
    }

    public synchronized Entry find(String name) {
        return entries.get(name);
    }

    /** Every request, newest first. */
    public synchronized List<Entry> list() {
        List<Entry> all = new ArrayList<>(entries.values());
        all.sort(Comparator.comparing((Entry e) -> e.created).reversed());
        return all;
    }

    @Override
    public void close() {
        timers.shutdownNow();
        List<Entry> open;
        synchronized (this) {
            open = new ArrayList<>(entries.values());
        }
        open.forEach(e -> finish(e, "Expired", State.EXPIRED, null, "pgwarden is shutting down"));
    }
}
