package dev.pgwarden.sidecar.gate;

import static dev.pgwarden.sidecar.gate.ApprovalFlow.shown;
import static dev.pgwarden.sidecar.gate.ApprovalFlow.shownParameters;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.exchange.PendingChanges;
import dev.pgwarden.sidecar.exchange.Portal;
import dev.pgwarden.sidecar.exchange.SessionObjects;
import dev.pgwarden.sidecar.exchange.StatementDecision;
import dev.pgwarden.sidecar.gate.Resolution.CatalogFailed;
import dev.pgwarden.sidecar.gate.Resolution.Classified;
import dev.pgwarden.sidecar.gate.Resolution.Drained;
import dev.pgwarden.sidecar.gate.Resolution.ExecuteTried;
import dev.pgwarden.sidecar.gate.Resolution.Refused;
import dev.pgwarden.sidecar.gate.Resolution.Run;
import dev.pgwarden.sidecar.gate.Resolution.TrialDecided;
import dev.pgwarden.sidecar.gate.StatementGate.Step;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.message.Execute;
import dev.pgwarden.sidecar.protocol.message.Parse;
import dev.pgwarden.sidecar.protocol.message.ServerNames;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.StatementSplitter;
import java.util.List;

/**
 * What the gate decides for the extended protocol's statement messages: a Parse is classified
 * (and a denied statement fails there), so an Execute decides without parsing; the first Parse or
 * Bind of a batch may open a savepoint so the batch's Execute runs as a trial for a changesMoreThan
 * rule. Each wait (classification, the transaction status, a trial, a reviewer) ends in a
 * {@link Resolution} the same message then takes.
 */
final class ExtendedDecisions {
    private final GateContext context;
    private final Exchange exchange;
    private final SessionObjects objects;
    private final GateOutput out;
    private final StatementGate gate;
    private final StatementJudge judge;
    private final ApprovalFlow approvals;
    private final Resolutions resolutions;
    private final ExtendedTrial extended;

    ExtendedDecisions(
            GateContext context,
            Exchange exchange,
            GateOutput out,
            StatementGate gate,
            StatementJudge judge,
            ApprovalFlow approvals,
            Resolutions resolutions) {
        this.context = context;
        this.exchange = exchange;
        this.objects = exchange.objects();
        this.out = out;
        this.gate = gate;
        this.judge = judge;
        this.approvals = approvals;
        this.resolutions = resolutions;
        this.extended = new ExtendedTrial(exchange, out, judge.count());
    }

    // ---------------------------------------------------------------- extended-protocol trials

    /**
     * The first message of a batch (a Parse or a Bind) naming a statement a changesMoreThan rule may
     * match: a savepoint is opened first, so the batch's Execute can run as a trial.
     *
     * @param named what the message prepares or binds: its classifications
     * @param unnamed the unnamed statement a Bind that starts the batch uses, made again after the
     *     savepoint's Query (which drops it); null for a Parse or a named statement
     * @return WAIT while earlier answers are awaited, else null (the message goes on as usual)
     */
    Step batchStarts(List<Classification> named, dev.pgwarden.sidecar.exchange.PreparedStatement unnamed) {
        if (extended.open()) {
            return null;
        }
        boolean needs = false;
        for (Classification c : named) {
            StatementJudge.Judged j = judge.parse(c, null);
            needs |= j.verdict().action() == Action.Allow && judge.trial(j) != null;
        }
        if (!needs) {
            return null;
        }
        if (!(resolutions.peek() instanceof Drained)) {
            // Whether the trial opens a transaction or a savepoint depends on where the session is; a
            // Flush gets the answers of Close messages ahead of this one in the batch.
            gate.sendBeforeWaiting(dev.pgwarden.sidecar.protocol.Messages.flush(out.alloc()));
            exchange.whenIdle(() -> out.onLoop(() -> resolutions.resume(new Drained())));
            return Step.WAIT;
        }
        resolutions.take();
        if (exchange.transactionStatus() == dev.pgwarden.sidecar.protocol.message.ReadyForQuery.FAILED_TRANSACTION) {
            return null; // nothing runs in a failed transaction
        }
        gate.injectNow(extended.arm(unnamed));
        return null;
    }

    /** What a Parse prepares, classified from the cache; null when it is not cached yet (the Parse decides). */
    List<Classification> parsed(PgMessage m) {
        List<String> statements = StatementSplitter.split(Parse.sqlOf(m.body()));
        List<Classification> cached =
                statements.size() != 1 ? null : Classifications.cached(context.classifier(), statements);
        return cached == null ? List.of() : cached;
    }

    /** What a Bind's statement may be. */
    List<Classification> bound(PgMessage m) {
        return objects.statementClassifications(dev.pgwarden.sidecar.protocol.message.Bind.statementOf(m.body()));
    }

    /** Whether the client's Sync must settle a trial's savepoint first. */
    boolean trialOpen() {
        return extended.open();
    }

    /** The Sync and what settles the trial, to send instead of the client's Sync alone. */
    io.netty.buffer.ByteBuf finishTrial(io.netty.buffer.ByteBuf sync) {
        return extended.finish(sync);
    }

    // ---------------------------------------------------------------- Parse

    /** Extended protocol: classified when parsed, so Execute decides without parsing; a denied statement fails here. */
    Step parse(PgMessage m) {
        Resolution r = resolutions.take();
        Parse p = Parse.read(m.body());
        if (r instanceof CatalogFailed failed) {
            return gate.refuseExtended(
                    p.sql(), List.of(), Refusals.catalogFailed(List.of(p.sql()), failed.cause()), PendingChanges.NONE);
        }
        if (r instanceof Refused refused) {
            return gate.refuseExtended(p.sql(), List.of(), refused.refuse(), refused.changes());
        }
        Classification c;
        if (r instanceof Classified k) {
            c = k.classes().isEmpty() ? null : k.classes().get(0);
        } else {
            List<String> statements = StatementSplitter.split(p.sql());
            if (statements.size() > 1) {
                // The server refuses several statements in one Parse; let it say so.
                exchange.parse(p, null);
                return Step.FORWARD;
            }
            List<Classification> classes = resolutions.classifyCached(statements);
            if (classes == null) {
                return Step.WAIT;
            }
            c = classes.isEmpty() ? null : classes.get(0);
        }
        if (c != null) {
            StatementJudge.Judged j = judge.parse(p.name(), c, p.sql());
            // A Parse runs nothing: text pgwarden cannot read goes to the server, which answers a syntax
            // error itself; onUnparseable decides at Execute.
            boolean unreadableOnly = c.kind() == dev.pgwarden.api.v1alpha1.StatementKind.UNPARSEABLE
                    && j.verdict().matched().stream()
                            .filter(match -> match.action() == Action.Deny)
                            .allMatch(match -> match.rule().equals("onUnparseable"));
            if (j.verdict().action() == Action.Deny && !unreadableOnly) {
                return gate.refuseExtended(
                        p.sql(),
                        List.of(),
                        new Refusals.Refuse(List.of(p.sql()), List.of(j.decision()), Refusals.forVerdict(j.verdict())),
                        PendingChanges.NONE);
            }
        }
        exchange.parse(p, c);
        return Step.FORWARD;
    }

    // ---------------------------------------------------------------- Execute

    /** @param described the portal the client described just before, whose answer precedes the rows */
    Step execute(PgMessage m, String described) {
        Resolution r = resolutions.take();
        String portal = Execute.portalOf(m.body());
        Portal first = objects.portal(portal).stream().findFirst().orElse(null);
        if (first == null && exchange.discarding()) {
            exchange.execute(portal, null, null, null, PendingChanges.NONE, null);
            return Step.FORWARD;
        }
        String sql = sqlOf(first);
        List<String> params = first instanceof Portal.Bound b ? b.parameters() : List.of();
        if (r instanceof CatalogFailed failed) {
            return gate.refuseExtended(
                    sql,
                    params,
                    Refusals.catalogFailed(List.of(sql == null ? "" : sql), failed.cause()),
                    PendingChanges.NONE);
        }
        if (r instanceof Run run) {
            StatementJudge.Judged j = run.judged().get(0);
            describeForMasking(portal, described);
            exchange.execute(portal, j.sql(), j.parameters(), run.decisions().get(0), j.changes(), run.held());
            return Step.FORWARD;
        }
        if (r instanceof Refused refused) {
            return gate.refuseExtended(sql, params, refused.refuse(), refused.changes());
        }
        String unrecordable = context.cannotRecord().get();
        if (unrecordable != null) {
            return gate.refuseExtended(
                    sql,
                    params,
                    Refusals.unrecordable(List.of(sql == null ? "" : sql), unrecordable),
                    PendingChanges.NONE);
        }
        if (r instanceof ExecuteTried tried) {
            return afterExecuteTrial(m, tried);
        }
        if (r instanceof TrialDecided decided) {
            if (decided.held() != null) {
                exchange.stand(decided.trial(), out::toClient);
                decided.held().executed(true);
                return Step.REPLACED;
            }
            exchange.drop(decided.trial());
            extended.refused();
            return gate.refuseExtended(
                    decided.judged().sql(),
                    decided.judged().parameters(),
                    new Refusals.Refuse(
                            List.of(String.valueOf(decided.judged().sql())),
                            List.of(decided.judged()
                                    .decision()
                                    .withApproval(
                                            decided.refusal().approval(),
                                            decided.refusal().approvalOutcome(),
                                            decided.refusal().reviewer())),
                            decided.refusal()),
                    PendingChanges.NONE);
        }
        StatementJudge.Judged judged = judge.execute(portal);
        if (judged.verdict().action() != Action.Allow
                && judged.classification().kind() == dev.pgwarden.api.v1alpha1.StatementKind.UNPARSEABLE) {
            // pgwarden could not read it, but PostgreSQL parsed or rejected it at Parse: wait for that
            // answer (a Flush asks for it now). A syntax error is the server's to report, and the
            // Execute is skipped with it; only a statement PostgreSQL could read meets onUnparseable.
            if (!(r instanceof Drained)) {
                gate.sendBeforeWaiting(dev.pgwarden.sidecar.protocol.Messages.flush(out.alloc()));
                exchange.whenIdle(() -> out.onLoop(() -> resolutions.resume(new Drained())));
                return Step.WAIT;
            }
            if (exchange.discarding()) {
                exchange.execute(
                        portal, judged.sql(), judged.parameters(), judged.decision(), PendingChanges.NONE, null);
                return Step.FORWARD;
            }
        }
        if (judged.verdict().action() == Action.Allow
                && judge.trial(judged) != null
                && extended.armed()
                && ExtendedTrial.countedByItsTag(judged.sql())) {
            // The batch's savepoint is open: the Execute runs as a trial, its answers held. The gate
            // sends it (and a Flush, so the answers come now) after what precedes it, then waits.
            extended.used();
            describeForMasking(portal, described);
            io.netty.buffer.ByteBuf execute = out.alloc().buffer(m.length());
            execute.writeBytes(m.frame(), m.frame().readerIndex(), m.length());
            StatementJudge.Judged trialed = judged;
            dev.pgwarden.sidecar.exchange.TrialExecute[] trial = new dev.pgwarden.sidecar.exchange.TrialExecute[1];
            TrialCount count =
                    new TrialCount(c -> out.onLoop(() -> resolutions.resume(new ExecuteTried(trialed, trial[0], c))));
            gate.sendBeforeWaiting(extended.counted(
                    execute,
                    () -> trial[0] = exchange.trialExecute(
                            portal,
                            judged.sql(),
                            judged.parameters(),
                            judged.decision(),
                            judged.changes(),
                            count::outcome),
                    count));
            return Step.WAIT;
        }
        // A trial is made per batch, for the portal its first Bind makes, of a statement whose
        // command tag counts what it changes: any other Execute a changesMoreThan rule could match
        // counts as passing the limit (the strict side).
        StatementJudge.Judged j = judged.verdict().action() == Action.Allow && judge.trial(judged) != null
                ? judge.untrialable(judged)
                : judged;
        StatementDecision d = j.decision();
        boolean hide = approvals.sensitive(j.plan());
        return switch (j.verdict().action()) {
            case Allow -> {
                describeForMasking(portal, described);
                exchange.execute(portal, j.sql(), j.parameters(), d, j.changes(), null);
                yield Step.FORWARD;
            }
            case Deny ->
                gate.refuseExtended(
                        j.sql(),
                        j.parameters(),
                        new Refusals.Refuse(
                                List.of(String.valueOf(j.sql())), List.of(d), Refusals.forVerdict(j.verdict())),
                        j.changes());
            case RequireApproval -> {
                // A portal pgwarden does not know gets a request of its own: no approval may cover another.
                String shownSql = j.sql() == null
                        ? "-- Execute of portal \"" + portal + "\", which pgwarden does not know ("
                                + java.util.UUID.randomUUID() + ")"
                        : shown(j.sql(), hide);
                approvals.request(
                        shownSql,
                        shownParameters(j.parameters(), hide),
                        j.verdict(),
                        j.reason(),
                        held -> resolutions.resume(new Run(
                                List.of(j), List.of(d.withApproval(held.name(), "approved", held.reviewer())), held)),
                        refusal -> resolutions.resume(new Refused(
                                new Refusals.Refuse(
                                        List.of(),
                                        List.of(d.withApproval(
                                                refusal.approval(), refusal.approvalOutcome(), refusal.reviewer())),
                                        refusal),
                                j.changes())));
                yield Step.WAIT;
            }
        };
    }

    /** The trial's count is in: it stands, or the rules it passed decide (Deny, or approval asked as Retry asks). */
    private Step afterExecuteTrial(PgMessage m, ExecuteTried tried) {
        dev.pgwarden.sidecar.exchange.TrialRun.Outcome o = tried.count().outcome();
        dev.pgwarden.sidecar.exchange.HiddenResult uncounted = tried.count().failedCount();
        if (uncounted != null) {
            // The client has its error (pgwarden's count failed, so the server skips the batch): the
            // trial, if it ran, is undone.
            exchange.drop(tried.trial());
            tried.trial().countFailed(exchange, uncounted.sqlState(), uncounted.message());
            extended.refused();
            return Step.REPLACED;
        }
        long rows = o.failed() ? 0 : tried.count().rowsChanged();
        StatementJudge.Judged j =
                rows < 0 ? judge.untrialable(tried.judged()) : judge.withRowsChanged(tried.judged(), rows);
        if (o.failed() || j.verdict().action() == Action.Allow && !o.overflow()) {
            exchange.stand(tried.trial(), out::toClient);
            return Step.REPLACED;
        }
        if (o.overflow()) {
            j = judge.untrialable(j);
        }
        if (j.verdict().action() == Action.Deny) {
            exchange.drop(tried.trial());
            extended.refused();
            return gate.refuseExtended(
                    j.sql(),
                    j.parameters(),
                    new Refusals.Refuse(
                            List.of(String.valueOf(j.sql())), List.of(j.decision()), Refusals.forVerdict(j.verdict())),
                    PendingChanges.NONE);
        }
        // The trial has run and cannot be held: the reviewer is asked as in Retry mode, and an
        // approval already given for this very statement lets the trial stand.
        StatementJudge.Judged decided = j;
        boolean hide = approvals.sensitive(j.plan());
        approvals.request(
                shown(j.sql() == null ? "" : j.sql(), hide),
                shownParameters(j.parameters(), hide),
                j.verdict(),
                j.reason(),
                true,
                held -> resolutions.resume(new TrialDecided(decided, tried.trial(), held, null)),
                refusal -> resolutions.resume(new TrialDecided(decided, tried.trial(), null, refusal)));
        return Step.WAIT;
    }

    static String sqlOf(Portal p) {
        if (p instanceof Portal.Bound b) {
            return b.statement().sql();
        }
        return p instanceof Portal.Cursor c ? c.sql() : null;
    }

    /**
     * Rows of an Execute carry no description of their columns: unless the portal's columns are
     * known, or the client's own Describe of it is answered just before, pgwarden asks the server
     * itself, just before the Execute, and keeps the answer from the client.
     */
    private void describeForMasking(String portal, String described) {
        if (!context.masking().enabled() || ServerNames.ofProtocolName(portal).equals(described)) {
            return;
        }
        List<Portal> may = objects.portal(portal);
        if (may.isEmpty() || !may.stream().allMatch(Portal::described)) {
            gate.injectDescribe(portal);
        }
    }
}
