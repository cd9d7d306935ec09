package dev.pgwarden.sidecar.gate;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.exchange.PendingChanges;
import dev.pgwarden.sidecar.exchange.Portal;
import dev.pgwarden.sidecar.exchange.SessionObjects;
import dev.pgwarden.sidecar.exchange.StatementDecision;
import dev.pgwarden.sidecar.gate.StatementGate.Step;
import dev.pgwarden.sidecar.masking.plan.MaskPlan;
import dev.pgwarden.sidecar.masking.MaskingEngine;
import dev.pgwarden.sidecar.policy.Verdict;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.message.Execute;
import dev.pgwarden.sidecar.protocol.message.Parse;
import dev.pgwarden.sidecar.protocol.message.Query;
import dev.pgwarden.sidecar.protocol.message.ServerNames;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.SqlNames;
import dev.pgwarden.sidecar.sql.StatementSplitter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the gate decides for each statement message: a Query's statements, a Parse, an Execute.
 * A decision that cannot be made at once (classification on the worker pool, an approval, the
 * masking catalog) ends in {@link Step#WAIT}; when it is made, it is kept as a {@link Resolution}
 * and the gate inspects the same message again, which then takes it.
 */
final class StatementDecisions {
  /** How the message at the gate's cursor was resolved while the gate waited on it. */
  private sealed interface Resolution {
  }

  private record Classified(List<String> statements, List<Classification> classes) implements Resolution {
  }

  /** Approved: it runs as judged. */
  private record Run(List<StatementJudge.Judged> judged, List<StatementDecision> decisions, ApprovalFlow.Held held)
      implements Resolution {
  }

  private record Refused(Refusals.Refuse refuse, PendingChanges changes) implements Resolution {
  }

  /** The masking catalog could not be read: statements cannot be judged for masking. */
  private record CatalogFailed(Throwable cause) implements Resolution {
  }

  /** The masking catalog is current again: inspect the message afresh. */
  private record CatalogReady() implements Resolution {
  }

  /** Everything sent before the Query is answered: the transaction status is known. */
  private record Drained() implements Resolution {
  }

  /** PostgreSQL said whether it can parse the statements pgwarden could not read. */
  private record Checked(List<StatementJudge.Judged> judged, dev.pgwarden.sidecar.exchange.HiddenResult result)
      implements Resolution {
  }

  /** An Execute run as a trial ended: its count decides the rules that wait for it. */
  private record ExecuteTried(StatementJudge.Judged judged, dev.pgwarden.sidecar.exchange.TrialExecute trial,
      dev.pgwarden.sidecar.exchange.TrialRun.Outcome outcome) implements Resolution {
  }

  /** A trial over the limit was approved (it stands) or not (it is rolled back and refused). */
  private record TrialDecided(StatementJudge.Judged judged, dev.pgwarden.sidecar.exchange.TrialExecute trial,
      ApprovalFlow.Held held, dev.pgwarden.sidecar.exchange.Refusal refusal) implements Resolution {
  }

  /** A trial run of the Query ended: its counts decide the rules that wait for them. */
  private record TrialDone(List<StatementJudge.Judged> judged, TrialRuns.Done done) implements Resolution {
  }

  private final GateContext context;
  private final Exchange exchange;
  private final SessionObjects objects;
  private final GateOutput out;
  private final StatementGate gate;
  private final StatementJudge judge;
  private final ApprovalFlow approvals;
  private final TrialRuns trials;
  private final SyntaxCheck syntax;
  private final ExtendedTrial extended;
  private Resolution resolution;

  StatementDecisions(GateContext context, Exchange exchange, GateOutput out, StatementGate gate) {
    this.context = context;
    this.exchange = exchange;
    this.objects = exchange.objects();
    this.out = out;
    this.gate = gate;
    this.judge = new StatementJudge(context, objects, exchange.masking());
    this.approvals = new ApprovalFlow(context, out);
    this.trials = new TrialRuns(exchange, out);
    this.syntax = new SyntaxCheck(exchange, out);
    this.extended = new ExtendedTrial(exchange, out);
  }

  // ---------------------------------------------------------------- extended-protocol trials

  /**
   * The first message of a batch (a Parse or a Bind) naming a statement a changesMoreThan rule may
   * match: a savepoint is opened first, so the batch's Execute can run as a trial.
   *
   * @param named what the message prepares or binds: its classifications
   * @return WAIT while earlier answers are awaited, else null (the message goes on as usual)
   */
  Step batchStarts(List<Classification> named) {
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
    if (!(resolution instanceof Drained)) {
      // Whether the trial opens a transaction or a savepoint depends on where the session is.
      exchange.whenIdle(() -> out.onLoop(() -> resume(new Drained())));
      return Step.WAIT;
    }
    resolution = null;
    if (exchange.transactionStatus() == dev.pgwarden.sidecar.protocol.message.ReadyForQuery.FAILED_TRANSACTION) {
      return null; // nothing runs in a failed transaction
    }
    gate.injectNow(extended.arm());
    return null;
  }

  /** What a Parse prepares, classified from the cache; null when it is not cached yet (the Parse decides). */
  List<Classification> parsed(PgMessage m) {
    List<String> statements = StatementSplitter.split(Parse.sqlOf(m.body()));
    List<Classification> cached = statements.size() != 1 ? null : Classifications.cached(context.classifier(), statements);
    return cached == null ? List.of() : cached;
  }

  /** What a Bind's statement may be. */
  List<Classification> bound(PgMessage m) {
    return objects.statementClassifications(dev.pgwarden.sidecar.protocol.message.Bind.statementOf(m.body()));
  }

  /** Whether the client's Sync must settle a trial's savepoint first. */
  boolean extendedTrialOpen() {
    return extended.open();
  }

  /** The Sync and what settles the trial, to send instead of the client's Sync alone. */
  io.netty.buffer.ByteBuf finishExtendedTrial(io.netty.buffer.ByteBuf sync) {
    return extended.finish(sync);
  }

  void close() {
    approvals.withdraw();
  }

  private void resume(Resolution r) {
    if (gate.closed()) {
      return;
    }
    resolution = r;
    gate.resume();
  }

  private Resolution take() {
    Resolution r = resolution;
    resolution = null;
    return r;
  }

  /**
   * Before a Query, Parse or Execute: a fresh statement (not one resumed after a wait) is judged
   * by the newest policy, once the masking catalog is current.
   *
   * @return the step when the statement cannot be judged now, else null
   */
  Step beforeStatement(PgMessage m) {
    if (resolution == null) {
      String broken = context.live().beforeStatement();
      exchange.masking().use(context.masking());
      if (broken != null) {
        return refuseWithoutPolicy(m, broken);
      }
    }
    return catalogCurrent() ? null : Step.WAIT;
  }

  // ---------------------------------------------------------------- Query

  /** Simple protocol: every statement of the Query is judged; the strictest verdict is the Query's. */
  Step query(PgMessage m) {
    Resolution r = take();
    String text = Query.read(m.body()).sql();
    if (r instanceof CatalogFailed failed) {
      return gate.refuseQuery(Refusals.catalogFailed(StatementSplitter.split(text), failed.cause()), PendingChanges.NONE);
    }
    if (r instanceof Run run) {
      exchange.query(run.judged().stream().map(StatementJudge.Judged::sql).toList(), run.decisions(),
          run.judged().stream().map(StatementJudge.Judged::changes).toList(), run.held());
      return Step.FORWARD;
    }
    if (r instanceof Refused refused) {
      return gate.refuseQuery(refused.refuse(), refused.changes());
    }
    if (r instanceof TrialDone t) {
      return afterTrial(text, t);
    }
    if (r instanceof Checked checked) {
      List<String> pieces = checked.judged().stream().map(StatementJudge.Judged::sql).toList();
      if (SyntaxCheck.syntaxError(checked.result())) {
        // What PostgreSQL would have answered: its own syntax error, and nothing of the Query runs.
        return gate.refuseQuery(new Refusals.Refuse(pieces, checked.judged().stream()
            .map(StatementJudge.Judged::decision).toList(), new dev.pgwarden.sidecar.exchange.Refusal(
                dev.pgwarden.sidecar.protocol.SqlState.SYNTAX_ERROR, checked.result().message(),
                "PostgreSQL could not parse the statement, so nothing of it ran.", null, null, null, null)),
            SessionObjects.all(checked.judged().stream().map(StatementJudge.Judged::changes).toList()));
      }
      List<StatementJudge.Judged> judged = checked.judged();
      Verdict overall = judged.stream().map(StatementJudge.Judged::verdict).reduce(Verdict::strictest).orElseThrow();
      return decide(pieces, judged, overall, judged.stream().anyMatch(j -> sensitive(j.plan())));
    }
    String unrecordable = context.cannotRecord().get();
    if (unrecordable != null) {
      return gate.refuseQuery(Refusals.unrecordable(StatementSplitter.split(text), unrecordable), PendingChanges.NONE);
    }
    List<String> statements;
    List<Classification> classes;
    if (r instanceof Classified k) {
      statements = k.statements();
      classes = k.classes();
    } else {
      statements = StatementSplitter.split(text);
      classes = classifyCached(statements);
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
      sensitive |= sensitive(j.plan());
    }
    if (overall.action() != Action.Allow && judged.stream().anyMatch(j -> j.classification().kind()
        == dev.pgwarden.api.v1alpha1.StatementKind.UNPARSEABLE)) {
      // Before onUnparseable: PostgreSQL may reject it as a syntax error, which is its answer to give.
      if (!(r instanceof Drained)) {
        exchange.whenIdle(() -> out.onLoop(() -> resume(new Drained())));
        return Step.WAIT;
      }
      if (syntax.possible()) {
        List<StatementJudge.Judged> checked = judged;
        String unreadable = judged.stream().filter(j -> j.classification().kind()
            == dev.pgwarden.api.v1alpha1.StatementKind.UNPARSEABLE).map(StatementJudge.Judged::sql).findFirst()
            .orElseThrow();
        syntax.check(unreadable, result -> out.onLoop(() -> resume(new Checked(checked, result))));
        return Step.WAIT;
      }
    }
    if (overall.action() == Action.Allow && judged.stream().anyMatch(j -> judge.trial(j) != null)) {
      // A rule with changesMoreThan may match: the rows the Query changes decide.
      if (!(r instanceof Drained)) {
        // Whether the trial opens a transaction or a savepoint depends on the status the server
        // will be in: wait for the answers to everything sent before.
        exchange.whenIdle(() -> out.onLoop(() -> resume(new Drained())));
        return Step.WAIT;
      }
      if (exchange.transactionStatus() == dev.pgwarden.sidecar.protocol.message.ReadyForQuery.FAILED_TRANSACTION) {
        // Nothing runs in a failed transaction block: the server refuses it as it stands.
        exchange.query(statements, judged.stream().map(StatementJudge.Judged::decision).toList(),
            judged.stream().map(StatementJudge.Judged::changes).toList(), null);
        return Step.FORWARD;
      }
      if (TrialRuns.trialable(judged)) {
        List<StatementJudge.Judged> trialed = judged;
        trials.start(text, statements, judged.stream().map(StatementJudge.Judged::decision).toList(),
            done -> out.onLoop(() -> resume(new TrialDone(trialed, done))));
        return Step.WAIT;
      }
      // It cannot run as a trial (it controls transactions, or its effects outlive a rollback):
      // the rules that wait for a count apply as if the limit were passed.
      judged = judged.stream().map(j -> judge.untrialable(j)).toList();
      overall = judged.stream().map(StatementJudge.Judged::verdict).reduce(Verdict::strictest).orElseThrow();
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
    Verdict overall = judged.stream().map(StatementJudge.Judged::verdict).reduce(Verdict::strictest).orElseThrow();
    if (done.outcome().failed() || overall.action() == Action.Allow && !done.outcome().overflow()) {
      // What the server answered is what the agent would have got: it stands, errors included.
      trials.stand(done);
      return Step.REPLACED;
    }
    trials.rollBack(done);
    if (done.outcome().overflow()) {
      judged = judged.stream().map(j -> judge.untrialable(j)).toList();
      overall = judged.stream().map(StatementJudge.Judged::verdict).reduce(Verdict::strictest).orElseThrow();
    }
    List<String> statements = judged.stream().map(StatementJudge.Judged::sql).toList();
    boolean sensitive = judged.stream().anyMatch(j -> sensitive(j.plan()));
    return decide(statements, judged, overall, sensitive);
  }

  /** The Query's verdict applies: it runs, is refused, or waits for a reviewer. */
  private Step decide(List<String> statements, List<StatementJudge.Judged> judged, Verdict overall, boolean sensitive) {
    List<StatementDecision> decisions = judged.stream().map(StatementJudge.Judged::decision).toList();
    PendingChanges changes = SessionObjects.all(judged.stream().map(StatementJudge.Judged::changes).toList());
    return switch (overall.action()) {
      case Allow -> {
        exchange.query(statements, decisions, judged.stream().map(StatementJudge.Judged::changes).toList(), null);
        yield Step.FORWARD;
      }
      case Deny -> gate.refuseQuery(new Refusals.Refuse(statements, decisions, Refusals.forVerdict(overall)), changes);
      case RequireApproval -> {
        boolean hide = sensitive;
        approvals.request(statements.stream().map(s -> shown(s, hide)).collect(Collectors.joining(";\n")),
            List.of(), overall, judged.stream().map(StatementJudge.Judged::reason).filter(java.util.Objects::nonNull)
                .findFirst().orElse(null),
            held -> resume(new Run(judged, stamp(decisions, held.name(), "approved", held.reviewer()), held)),
            refusal -> resume(new Refused(new Refusals.Refuse(statements,
                stamp(decisions, refusal.approval(), refusal.approvalOutcome(), refusal.reviewer()), refusal), changes)));
        yield Step.WAIT;
      }
    };
  }

  // ---------------------------------------------------------------- Parse

  /** Extended protocol: classified when parsed, so Execute decides without parsing; a denied statement fails here. */
  Step parse(PgMessage m) {
    Resolution r = take();
    Parse p = Parse.read(m.body());
    if (r instanceof CatalogFailed failed) {
      return gate.refuseExtended(p.sql(), List.of(), Refusals.catalogFailed(List.of(p.sql()), failed.cause()),
          PendingChanges.NONE);
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
      List<Classification> classes = classifyCached(statements);
      if (classes == null) {
        return Step.WAIT;
      }
      c = classes.isEmpty() ? null : classes.get(0);
    }
    if (c != null) {
      StatementJudge.Judged j = judge.parse(c, p.sql());
      // A Parse runs nothing: text pgwarden cannot read goes to the server, which answers a syntax
      // error itself; onUnparseable decides at Execute.
      boolean unreadableOnly = c.kind() == dev.pgwarden.api.v1alpha1.StatementKind.UNPARSEABLE
          && j.verdict().matched().stream().filter(match -> match.action() == Action.Deny)
              .allMatch(match -> match.rule().equals("onUnparseable"));
      if (j.verdict().action() == Action.Deny && !unreadableOnly) {
        return gate.refuseExtended(p.sql(), List.of(), new Refusals.Refuse(List.of(p.sql()), List.of(j.decision()),
            Refusals.forVerdict(j.verdict())), PendingChanges.NONE);
      }
    }
    exchange.parse(p, c);
    return Step.FORWARD;
  }

  // ---------------------------------------------------------------- Execute

  /** @param described the portal the client described just before, whose answer precedes the rows */
  Step execute(PgMessage m, String described) {
    Resolution r = take();
    String portal = Execute.portalOf(m.body());
    Portal first = objects.portal(portal).stream().findFirst().orElse(null);
    if (first == null && exchange.discarding()) {
      exchange.execute(portal, null, null, null, PendingChanges.NONE, null);
      return Step.FORWARD;
    }
    String sql = sqlOf(first);
    List<String> params = first instanceof Portal.Bound b ? b.parameters() : List.of();
    if (r instanceof CatalogFailed failed) {
      return gate.refuseExtended(sql, params, Refusals.catalogFailed(List.of(sql == null ? "" : sql), failed.cause()),
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
      return gate.refuseExtended(sql, params, Refusals.unrecordable(List.of(sql == null ? "" : sql), unrecordable),
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
      return gate.refuseExtended(decided.judged().sql(), decided.judged().parameters(), new Refusals.Refuse(
          List.of(String.valueOf(decided.judged().sql())), List.of(decided.judged().decision().withApproval(
              decided.refusal().approval(), decided.refusal().approvalOutcome(), decided.refusal().reviewer())),
          decided.refusal()), PendingChanges.NONE);
    }
    StatementJudge.Judged judged = judge.execute(portal);
    if (judged.verdict().action() != Action.Allow
        && judged.classification().kind() == dev.pgwarden.api.v1alpha1.StatementKind.UNPARSEABLE) {
      // pgwarden could not read it, but PostgreSQL parsed or rejected it at Parse: wait for that
      // answer (a Flush asks for it now). A syntax error is the server's to report, and the
      // Execute is skipped with it; only a statement PostgreSQL could read meets onUnparseable.
      if (!(r instanceof Drained)) {
        gate.sendBeforeWaiting(dev.pgwarden.sidecar.protocol.Messages.flush(out.alloc()));
        exchange.whenIdle(() -> out.onLoop(() -> resume(new Drained())));
        return Step.WAIT;
      }
      if (exchange.discarding()) {
        exchange.execute(portal, judged.sql(), judged.parameters(), judged.decision(), PendingChanges.NONE, null);
        return Step.FORWARD;
      }
    }
    if (judged.verdict().action() == Action.Allow && judge.trial(judged) != null && extended.armed()) {
      // The batch's savepoint is open: the Execute runs as a trial, its answers held. The gate
      // sends it (and a Flush, so the answers come now) after what precedes it, then waits.
      extended.used();
      describeForMasking(portal, described);
      io.netty.buffer.ByteBuf execute = out.alloc().buffer(m.length() + 5);
      execute.writeBytes(m.frame(), m.frame().readerIndex(), m.length());
      io.netty.buffer.ByteBuf flush = dev.pgwarden.sidecar.protocol.Messages.flush(out.alloc());
      execute.writeBytes(flush);
      flush.release();
      gate.sendBeforeWaiting(execute);
      StatementJudge.Judged trialed = judged;
      dev.pgwarden.sidecar.exchange.TrialExecute[] trial = new dev.pgwarden.sidecar.exchange.TrialExecute[1];
      trial[0] = exchange.trialExecute(portal, judged.sql(), judged.parameters(), judged.decision(), judged.changes(),
          outcome -> out.onLoop(() -> resume(new ExecuteTried(trialed, trial[0], outcome))));
      return Step.WAIT;
    }
    // A trial is made per batch, for the portal its first Bind makes: any other Execute a
    // changesMoreThan rule could match counts as passing the limit (the strict side).
    StatementJudge.Judged j = judged.verdict().action() == Action.Allow && judge.trial(judged) != null
        ? judge.untrialable(judged) : judged;
    StatementDecision d = j.decision();
    boolean hide = sensitive(j.plan());
    return switch (j.verdict().action()) {
      case Allow -> {
        describeForMasking(portal, described);
        exchange.execute(portal, j.sql(), j.parameters(), d, j.changes(), null);
        yield Step.FORWARD;
      }
      case Deny -> gate.refuseExtended(j.sql(), j.parameters(), new Refusals.Refuse(List.of(String.valueOf(j.sql())),
          List.of(d), Refusals.forVerdict(j.verdict())), j.changes());
      case RequireApproval -> {
        // A portal pgwarden does not know gets a request of its own: no approval may cover another.
        String shownSql = j.sql() == null ? "-- Execute of portal \"" + portal + "\", which pgwarden does not know ("
            + java.util.UUID.randomUUID() + ")" : shown(j.sql(), hide);
        approvals.request(shownSql, shownParameters(j.parameters(), hide),
            j.verdict(), j.reason(),
            held -> resume(new Run(List.of(j), List.of(d.withApproval(held.name(), "approved", held.reviewer())), held)),
            refusal -> resume(new Refused(new Refusals.Refuse(List.of(), List.of(d.withApproval(refusal.approval(),
                refusal.approvalOutcome(), refusal.reviewer())), refusal), j.changes())));
        yield Step.WAIT;
      }
    };
  }

  /** The trial's count is in: it stands, or the rules it passed decide (Deny, or approval asked as Retry asks). */
  private Step afterExecuteTrial(PgMessage m, ExecuteTried tried) {
    dev.pgwarden.sidecar.exchange.TrialRun.Outcome o = tried.outcome();
    StatementJudge.Judged j = judge.withRowsChanged(tried.judged(), o.rows().isEmpty() ? 0 : o.rows().get(0));
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
      return gate.refuseExtended(j.sql(), j.parameters(), new Refusals.Refuse(List.of(String.valueOf(j.sql())),
          List.of(j.decision()), Refusals.forVerdict(j.verdict())), PendingChanges.NONE);
    }
    // The trial has run and cannot be held: the reviewer is asked as in Retry mode, and an
    // approval already given for this very statement lets the trial stand.
    StatementJudge.Judged decided = j;
    boolean hide = sensitive(j.plan());
    approvals.request(shown(j.sql() == null ? "" : j.sql(), hide), shownParameters(j.parameters(), hide),
        j.verdict(), j.reason(), true,
        held -> resume(new TrialDecided(decided, tried.trial(), held, null)),
        refusal -> resume(new TrialDecided(decided, tried.trial(), null, refusal)));
    return Step.WAIT;
  }

  private static String sqlOf(Portal p) {
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

  // ---------------------------------------------------------------- refusals before judging

  /** The newest policy is invalid: every statement is refused, saying why, until a valid one is mounted. */
  private Step refuseWithoutPolicy(PgMessage m, String reason) {
    if (m.type() == ProtocolCodes.QUERY) {
      return gate.refuseQuery(Refusals.withoutPolicy(StatementSplitter.split(Query.read(m.body()).sql()), reason),
          PendingChanges.NONE);
    }
    if (m.type() == ProtocolCodes.PARSE) {
      String sql = Parse.sqlOf(m.body());
      return gate.refuseExtended(sql, List.of(), Refusals.withoutPolicy(List.of(sql), reason), PendingChanges.NONE);
    }
    String portal = Execute.portalOf(m.body());
    Portal first = objects.portal(portal).stream().findFirst().orElse(null);
    if (first == null && exchange.discarding()) {
      exchange.execute(portal, null, null, null, PendingChanges.NONE, null);
      return Step.FORWARD;
    }
    String sql = sqlOf(first);
    return gate.refuseExtended(sql, first instanceof Portal.Bound b ? b.parameters() : List.of(),
        Refusals.withoutPolicy(List.of(sql == null ? "" : sql), reason), PendingChanges.NONE);
  }

  /**
   * Masking decides from a catalog snapshot taken after the last DDL: when there is none, the
   * gate waits for it (a failure refuses the statement, see {@link CatalogFailed}).
   */
  private boolean catalogCurrent() {
    MaskingEngine masking = context.masking();
    if (!masking.enabled() || resolution != null || masking.catalog().current() != null) {
      if (resolution instanceof CatalogReady) {
        resolution = null;
      }
      return true;
    }
    masking.catalog().refresh().whenComplete((s, failure) -> out.onLoop(() ->
        resume(failure == null ? new CatalogReady() : new CatalogFailed(failure))));
    return false;
  }

  // ---------------------------------------------------------------- classification

  /** The classifications of all statements from the cache, or null after starting to parse the misses. */
  private List<Classification> classifyCached(List<String> statements) {
    List<Classification> classes = Classifications.cached(context.classifier(), statements);
    if (classes != null) {
      return classes;
    }
    Classifications.classify(context.classifier(), statements).whenComplete((all, failure) -> out.onLoop(() ->
        resume(failure != null ? new Refused(Refusals.busy(statements), PendingChanges.NONE)
            : new Classified(statements, all))));
    return null;
  }

  // ---------------------------------------------------------------- what reviewers and the audit see

  /** What a statement that may hold masked values shows reviewers: its fingerprint, its parameters withheld. */
  private static String shown(String sql, boolean sensitive) {
    return sensitive ? SqlNames.fingerprint(sql) : sql;
  }

  private static List<String> shownParameters(List<String> params, boolean sensitive) {
    return sensitive ? params.stream().map(p -> p == null ? null : "[redacted]").toList() : params;
  }

  private boolean sensitive(MaskPlan plan) {
    return context.masking().enabled() && (plan == null || plan.sensitive());
  }

  private static List<StatementDecision> stamp(List<StatementDecision> decisions, String approval, String outcome,
      String reviewer) {
    return decisions.stream().map(d -> d.withApproval(approval, outcome, reviewer)).toList();
  }
}
