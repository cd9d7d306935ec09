package dev.pgwarden.sidecar.gate;

import dev.pgwarden.api.v1alpha1.ApprovalMode;
import dev.pgwarden.sidecar.approval.ApprovalGate;
import dev.pgwarden.sidecar.approval.ApprovalOutcome;
import dev.pgwarden.sidecar.approval.ApprovalRequest;
import dev.pgwarden.sidecar.exchange.ApprovedRun;
import dev.pgwarden.sidecar.exchange.Refusal;
import dev.pgwarden.sidecar.masking.plan.MaskPlan;
import dev.pgwarden.sidecar.policy.Verdict;
import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.SqlState;
import dev.pgwarden.sidecar.sql.DropTargets;
import dev.pgwarden.sidecar.sql.SqlNames;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One session's dealings with the approval gate. In Wait mode the statement is held: the agent
 * gets a notice naming the request and how a reviewer approves it, and the statement runs when
 * approved or fails when denied or timed out. In Retry mode the agent gets an error at once and
 * the identical statement (same subject, text and parameters) runs once after approval.
 * Completions arrive on other threads and are moved onto the session's event loop.
 */
final class ApprovalFlow {
    /** An approved statement about to run; {@code pending} is null in Retry mode. */
    record Held(String name, String reviewer, ApprovalGate.PendingApproval pending) implements ApprovedRun {
        @Override
        public void executed(boolean succeeded) {
            if (pending != null) {
                pending.executed(succeeded);
            }
        }
    }

    /** Extra time past expiresAt before the proxy stops trusting the gate to report expiry. */
    private static final Duration GRACE = Duration.ofSeconds(5);

    private final GateContext context;
    private final GateOutput out;
    private ApprovalGate.PendingApproval waiting;
    /** The session ended: requests that complete now are withdrawn at once. */
    private boolean closed;

    ApprovalFlow(GateContext context, GateOutput out) {
        this.context = context;
        this.out = out;
    }

    /** @param reason the agent's own, or null */
    void request(
            String statement,
            List<String> parameters,
            Verdict verdict,
            String reason,
            Consumer<Held> onApproved,
            Consumer<Refusal> onRefused) {
        request(statement, parameters, verdict, reason, false, onApproved, onRefused);
    }

    /**
     * @param reason the agent's own, or null
     * @param retry ask as Retry mode asks whatever the policy's mode: the agent is told now, and the
     *     identical statement runs once approved (for a trial already run, which cannot be held)
     */
    void request(
            String statement,
            List<String> parameters,
            Verdict verdict,
            String reason,
            boolean retry,
            Consumer<Held> onApproved,
            Consumer<Refusal> onRefused) {
        ApprovalRequest request = request(statement, parameters, verdict, reason);
        List<DropTargets.Target> targets = context.estimates() == null ? List.of() : DropTargets.of(statement);
        if (targets.isEmpty()) {
            send(request, verdict, retry, onApproved, onRefused);
            return;
        }
        // A DROP or TRUNCATE: the request says what the objects hold (the estimate never fails).
        context.estimates()
                .estimate(targets)
                // Should the estimate fail after all, the request goes without it: no statement is left waiting.
                .whenComplete((estimates, failure) -> out.onLoop(() -> {
                    if (!closed) {
                        send(
                                failure == null ? request.withEstimates(estimates) : request,
                                verdict,
                                retry,
                                onApproved,
                                onRefused);
                    }
                }));
    }

    private void send(
            ApprovalRequest request,
            Verdict verdict,
            boolean retry,
            Consumer<Held> onApproved,
            Consumer<Refusal> onRefused) {
        if (retry || context.approvalMode() == ApprovalMode.Retry) {
            context.approvals()
                    .retry(request)
                    .whenComplete((outcome, failure) -> out.onLoop(() -> {
                        if (failure != null) {
                            onRefused.accept(unavailable(failure));
                        } else if (outcome.state() == ApprovalOutcome.State.APPROVED) {
                            onApproved.accept(new Held(outcome.name(), outcome.reviewer(), null));
                        } else {
                            onRefused.accept(retryRefusal(outcome, verdict));
                        }
                    }));
            return;
        }
        context.approvals()
                .submit(request)
                .whenComplete((pending, failure) -> out.onLoop(() -> {
                    if (failure != null) {
                        onRefused.accept(unavailable(failure));
                        return;
                    }
                    if (closed) {
                        pending.withdraw();
                        return;
                    }
                    waiting = pending;
                    out.notice(Messages.report(
                            out.alloc(),
                            ProtocolCodes.NOTICE_RESPONSE,
                            "NOTICE",
                            "00000",
                            // The command goes in the primary message: it is the one field every client shows.
                            "pgwarden: waiting for approval " + pending.name() + " (rule " + verdict.rule()
                                    + "); a reviewer approves with: "
                                    + context.approvals().approveCommand(pending.name()),
                            "Held because " + verdict.reason() + ".",
                            "The statement runs when approved, and fails if denied or not decided by "
                                    + request.expiresAt() + "."));
                    CompletableFuture<ApprovalOutcome> outcome = pending.outcome()
                            .copy()
                            .orTimeout(context.approvalTimeout().plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
                    outcome.whenComplete((o, error) -> out.onLoop(() -> {
                        if (waiting != pending) {
                            return;
                        }
                        waiting = null;
                        if (o != null && o.state() == ApprovalOutcome.State.APPROVED) {
                            onApproved.accept(new Held(o.name(), o.reviewer(), pending));
                        } else if (o != null && o.state() == ApprovalOutcome.State.DENIED) {
                            onRefused.accept(deniedByReviewer(o));
                        } else if (o != null || unwrap(error) instanceof TimeoutException) {
                            pending.withdraw();
                            onRefused.accept(expired(pending.name()));
                        } else {
                            onRefused.accept(unavailable(error));
                        }
                    }));
                }));
    }

    /** The client left or the session ended while a statement waited. */
    void withdraw() {
        closed = true;
        ApprovalGate.PendingApproval p = waiting;
        waiting = null;
        if (p != null) {
            p.withdraw();
        }
    }

    // ---------------------------------------------------------------- what reviewers see

    /** What a statement that may hold masked values shows reviewers: its fingerprint, its parameters withheld. */
    static String shown(String sql, boolean sensitive) {
        return sensitive ? SqlNames.fingerprint(sql) : sql;
    }

    static List<String> shownParameters(List<String> params, boolean sensitive) {
        return sensitive
                ? params.stream().map(p -> p == null ? null : "[redacted]").toList()
                : params;
    }

    boolean sensitive(MaskPlan plan) {
        return context.masking().enabled() && (plan == null || plan.sensitive());
    }

    private ApprovalRequest request(String statement, List<String> parameters, Verdict verdict, String reason) {
        String fingerprint = sha256(statement + "\u0000" + String.join("\u0000", parameters));
        String key = sha256(context.policyName() + "\u0000" + context.subject().issuer() + "\u0000"
                + context.subject().subject() + "\u0000" + fingerprint);
        return new ApprovalRequest(
                context.policyName(),
                verdict.rule(),
                verdict.reason(),
                context.subject(),
                context.session(),
                statement,
                parameters,
                key,
                "sha256:" + fingerprint,
                Instant.now(context.clock()).plus(context.approvalTimeout()),
                reason,
                verdict.rowsChanged(),
                List.of());
    }

    private Refusal retryRefusal(ApprovalOutcome o, Verdict verdict) {
        String approve = context.approvals().approveCommand(o.name());
        return switch (o.state()) {
            case DENIED -> deniedByReviewer(o);
            case EXPIRED -> expired(o.name());
            case PENDING ->
                new Refusal(
                        SqlState.INSUFFICIENT_PRIVILEGE,
                        "pgwarden: this statement still awaits approval " + o.name() + " (rule " + verdict.rule() + ")",
                        "Held because " + verdict.reason() + ".",
                        "A reviewer approves with: " + approve + ". Then run exactly the same statement again.",
                        o.name(),
                        "pending",
                        null);
            default ->
                new Refusal(
                        SqlState.INSUFFICIENT_PRIVILEGE,
                        "pgwarden: this statement needs approval; requested as " + o.name() + " (rule " + verdict.rule()
                                + ")",
                        "Held because " + verdict.reason() + ". It was not run.",
                        "A reviewer approves with: " + approve
                                + ". Then run exactly the same statement again (same text and parameters).",
                        o.name(),
                        "requested",
                        null);
        };
    }

    private static Refusal deniedByReviewer(ApprovalOutcome o) {
        String by = o.reviewer() == null ? "a reviewer" : o.reviewer();
        String comment = o.comment() == null || o.comment().isBlank() ? "" : ": " + o.comment();
        return new Refusal(
                SqlState.INSUFFICIENT_PRIVILEGE,
                "pgwarden: " + by + " denied approval " + o.name() + comment,
                "The statement was not run.",
                "Do not retry it unchanged; address the reviewer's comment first.",
                o.name(),
                "denied",
                o.reviewer());
    }

    private Refusal expired(String name) {
        return new Refusal(
                SqlState.QUERY_CANCELED,
                "pgwarden: approval " + name + " was not decided within " + format(context.approvalTimeout()),
                "The statement was not run and the request was withdrawn.",
                "Ask a reviewer to watch for the request, then run the statement again.",
                name,
                "expired",
                null);
    }

    private static Refusal unavailable(Throwable failure) {
        Throwable t = unwrap(failure);
        return new Refusal(
                SqlState.SYSTEM_ERROR,
                "pgwarden: cannot request approval: " + t.getMessage(),
                "The statement needs approval and was not run.",
                "Retry later; if this persists, tell the team that runs pgwarden.",
                null,
                "unavailable",
                null);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A duration as policies write it (10m, 90s). */
    private static String format(Duration d) {
        if (d.toSeconds() % 3600 == 0) {
            return d.toHours() + "h";
        }
        if (d.toSeconds() % 60 == 0) {
            return d.toMinutes() + "m";
        }
        return d.toSeconds() + "s";
    }
}
