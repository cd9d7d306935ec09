package dev.pgwarden.sidecar.gate;

import static dev.pgwarden.sidecar.gate.ApprovalFlow.shown;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.exchange.PendingChanges;
import dev.pgwarden.sidecar.exchange.SessionObjects;
import dev.pgwarden.sidecar.exchange.StatementDecision;
import dev.pgwarden.sidecar.gate.Resolution.CatalogFailed;
import dev.pgwarden.sidecar.gate.Resolution.Checked;
import dev.pgwarden.sidecar.gate.Resolution.Classified;
import dev.pgwarden.sidecar.gate.Resolution.Drained;
import dev.pgwarden.sidecar.gate.Resolution.Refused;
import dev.pgwarden.sidecar.gate.Resolution.Run;
import dev.pgwarden.sidecar.gate.Resolution.TrialDone;
import dev.pgwarden.sidecar.gate.StatementGate.Step;
import dev.pgwarden.sidecar.policy.Verdict;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.message.Query;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.StatementSplitter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the gate decides for a Query (simple protocol): every statement in it is judged, and the
 * strictest verdict is the Query's. It may wait for the statements' classification, for
 * PostgreSQL's own syntax check of text pgwarden cannot read, for a trial run whose counts decide a
 * changesMoreThan rule, or for a reviewer; each wait ends in a {@link Resolution} the Query then takes.
 */
final class QueryDecisions {
    private final GateContext context;
    private final Exchange exchange;
    private final GateOutput out;
    private final StatementGate gate;
    private final StatementJudge judge;
    private final ApprovalFlow approvals;
    private final Resolutions resolutions;
    private final TrialRuns trials;
    private final SyntaxCheck syntax;

    QueryDecisions(
            GateContext context,
            Exchange exchange,
            GateOutput out,
            StatementGate gate,
            StatementJudge judge,
            ApprovalFlow approvals,
            Resolutions resolutions) {
        this.context = context;
        this.exchange = exchange;
        this.out = out;
        this.gate = gate;
        this.judge = judge;
        this.approvals = approvals;
        this.resolutions = resolutions;
        this.trials = new TrialRuns(exchange, out, judge.count());
        this.syntax = new SyntaxCheck(exchange, out);
    }

    /** Simple protocol: every statement of the Query is judged; the strictest verdict is the Query's. */
    Step query(PgMessage m) {
        Resolution r = resolutions.take();
        String text = Query.read(m.body()).sql();
        if (r instanceof CatalogFailed failed) {
            return gate.refuseQuery(
                    Refusals.catalogFailed(StatementSplitter.split(text), failed.cause()), PendingChanges.NONE);
        }
        if (r instanceof Run run) {
            exchange.query(
                    run.judged().stream().map(StatementJudge.Judged::sql).toList(),
                    run.decisions(),
                    run.judged().stream().map(StatementJudge.Judged::changes).toList(),
                    run.held());
            return Step.FORWARD;
        }
        if (r instanceof Refused refused) {
            return gate.refuseQuery(refused.refuse(), refused.changes());
        }
        if (r instanceof TrialDone t) {
            return afterTrial(text, t);
        }
        if (r instanceof Checked checked) {
            List<String> pieces =
                    checked.judged().stream().map(StatementJudge.Judged::sql).toList();
            if (SyntaxCheck.syntaxError(checked.result())) {
                // What PostgreSQL would have answered: its own syntax error, and nothing of the Query runs.
                return gate.refuseQuery(
                        new Refusals.Refuse(
                                pieces,
                                checked.judged().stream()
                                        .map(StatementJudge.Judged::decision)
                                        .toList(),
                                new dev.pgwarden.sidecar.exchange.Refusal(
                                        dev.pgwarden.sidecar.protocol.SqlState.SYNTAX_ERROR,
                                        checked.result().message(),
                                        "PostgreSQL could not parse the statement, so nothing of it ran.",
                                        null,
                                        null,
                                        null,
                                        null)),
                        SessionObjects.all(checked.judged().stream()
                                .map(StatementJudge.Judged::changes)
                                .toList()));
            }
            List<StatementJudge.Judged> judged = checked.judged();
            Verdict overall = judged.stream()
                    .map(StatementJudge.Judged::verdict)
                    .reduce(Verdict::strictest)
                    .orElseThrow();
            return decide(pieces, judged, overall, judged.stream().anyMatch(j -> approvals.sensitive(j.plan())));
        }
        String unrecordable = context.cannotRecord().get();
        if (unrecordable != null) {
            return gate.refuseQuery(
                    Refusals.unrecordable(StatementSplitter.split(text), unrecordable), PendingChanges.NONE);
        }
        List<String> statements;
        List<Classification> classes;
        if (r instanceof Classified k) {
            statements = k.statements();
            classes = k.classes();
        } else {
            statements = StatementSplitter.split(text);
            classes = resolutions.classifyCached(statements);
            if (classes == null) {
                return Step.WAIT;
            }
        }
        if (statements.isEmpty()) {
            exchange.query(statements, List.of(), List.of(), null);
            return Step.FORWARD;
        }
        List<StatementJudge.Judged> judged = new ArrayList<>(classes.size());
        Verdict overall = null;
        boolean sensitive = false;
        for (int i = 0; i < classes.size(); i++) {
            // In order, so an EXECUTE is judged with a PREPARE earlier in the same Query in view.
            StatementJudge.Judged j = judge.statement(classes.get(i), statements.get(i));
            judged.add(j);
            overall = overall == null ? j.verdict() : overall.strictest(j.verdict());
            sensitive |= approvals.sensitive(j.plan());
        }
        if (overall.action() != Action.Allow
                && judged.stream()
                        .anyMatch(j ->
                                j.classification().kind() == dev.pgwarden.api.v1alpha1.StatementKind.UNPARSEABLE)) {
            // Before onUnparseable: PostgreSQL may reject it as a syntax error, which is its answer to give.
            if (!(r instanceof Drained)) {
                exchange.whenIdle(() -> out.onLoop(() -> resolutions.resume(new Drained())));
                return Step.WAIT;
            }
            if (syntax.possible()) {
                List<StatementJudge.Judged> checked = judged;
                String unreadable = judged.stream()
                        .filter(j -> j.classification().kind() == dev.pgwarden.api.v1alpha1.StatementKind.UNPARSEABLE)
                        .map(StatementJudge.Judged::sql)
                        .findFirst()
                        .orElseThrow();
                syntax.check(unreadable, result -> out.onLoop(() -> resolutions.resume(new Checked(checked, result))));
                return Step.WAIT;
            }
        }
        if (overall.action() == Action.Allow && judged.stream().anyMatch(j -> judge.trial(j) != null)) {
            // A rule with changesMoreThan may match: the rows the Query changes decide.
            if (!(r instanceof Drained)) {
                // Whether the trial opens a transaction or a savepoint depends on the status the server
                // will be in: wait for the answers to everything sent before.
                exchange.whenIdle(() -> out.onLoop(() -> resolutions.resume(new Drained())));
                return Step.WAIT;
            }
            if (exchange.transactionStatus()
                    == dev.pgwarden.sidecar.protocol.message.ReadyForQuery.FAILED_TRANSACTION) {
                // Nothing runs in a failed transaction block: the server refuses it as it stands.
                exchange.query(
                        statements,
                        judged.stream().map(StatementJudge.Judged::decision).toList(),
                        judged.stream().map(StatementJudge.Judged::changes).toList(),
                        null);
                return Step.FORWARD;
            }
            if (TrialRuns.trialable(judged)) {
                List<StatementJudge.Judged> trialed = judged;
                trials.start(
                        text,
                        statements,
                        judged.stream().map(StatementJudge.Judged::decision).toList(),
                        done -> out.onLoop(() -> resolutions.resume(new TrialDone(trialed, done))));
                return Step.WAIT;
            }
            // It cannot run as a trial (it controls transactions, or its effects outlive a rollback):
            // the rules that wait for a count apply as if the limit were passed.
            judged = judged.stream().map(j -> judge.untrialable(j)).toList();
            overall = judged.stream()
                    .map(StatementJudge.Judged::verdict)
                    .reduce(Verdict::strictest)
                    .orElseThrow();
        }
        return decide(statements, judged, overall, sensitive);
    }

    /** The trial's counts are in: it stands as the real run, or the rules it passed decide. */
    private Step afterTrial(String text, TrialDone t) {
        TrialRuns.Done done = t.done();
        List<StatementJudge.Judged> judged = new ArrayList<>();
        for (int i = 0; i < t.judged().size(); i++) {
            judged.add(judge.withRowsChanged(t.judged().get(i), done.rows(i)));
        }
        Verdict overall = judged.stream()
                .map(StatementJudge.Judged::verdict)
                .reduce(Verdict::strictest)
                .orElseThrow();
        if (done.outcome().failed()
                || overall.action() == Action.Allow && !done.outcome().overflow()) {
            // What the server answered is what the agent would have got: it stands, errors included.
            trials.stand(done);
            return Step.REPLACED;
        }
        trials.rollBack(done);
        if (done.outcome().overflow()) {
            judged = judged.stream().map(j -> judge.untrialable(j)).toList();
            overall = judged.stream()
                    .map(StatementJudge.Judged::verdict)
                    .reduce(Verdict::strictest)
                    .orElseThrow();
        }
        List<String> statements =
                judged.stream().map(StatementJudge.Judged::sql).toList();
        boolean sensitive = judged.stream().anyMatch(j -> approvals.sensitive(j.plan()));
        return decide(statements, judged, overall, sensitive);
    }

    /** The Query's verdict applies: it runs, is refused, or waits for a reviewer. */
    private Step decide(
            List<String> statements, List<StatementJudge.Judged> judged, Verdict overall, boolean sensitive) {
        List<StatementDecision> decisions =
                judged.stream().map(StatementJudge.Judged::decision).toList();
        PendingChanges changes = SessionObjects.all(
                judged.stream().map(StatementJudge.Judged::changes).toList());
        return switch (overall.action()) {
            case Allow -> {
                exchange.query(
                        statements,
                        decisions,
                        judged.stream().map(StatementJudge.Judged::changes).toList(),
                        null);
                yield Step.FORWARD;
            }
            case Deny ->
                gate.refuseQuery(new Refusals.Refuse(statements, decisions, Refusals.forVerdict(overall)), changes);
            case RequireApproval -> {
                boolean hide = sensitive;
                approvals.request(
                        statements.stream().map(s -> shown(s, hide)).collect(Collectors.joining(";\n")),
                        List.of(),
                        overall,
                        judged.stream()
                                .map(StatementJudge.Judged::reason)
                                .filter(java.util.Objects::nonNull)
                                .findFirst()
                                .orElse(null),
                        held -> resolutions.resume(
                                new Run(judged, stamp(decisions, held.name(), "approved", held.reviewer()), held)),
                        refusal -> resolutions.resume(new Refused(
                                new Refusals.Refuse(
                                        statements,
                                        stamp(
                                                decisions,
                                                refusal.approval(),
                                                refusal.approvalOutcome(),
                                                refusal.reviewer()),
                                        refusal),
                                changes)));
                yield Step.WAIT;
            }
        };
    }

    private static List<StatementDecision> stamp(
            List<StatementDecision> decisions, String approval, String outcome, String reviewer) {
        return decisions.stream()
                .map(d -> d.withApproval(approval, outcome, reviewer))
                .toList();
    }
}
