package dev.pgwarden.sidecar.session;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.sidecar.policy.Verdict;
import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.PgBatch;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.ProtocolException;
import dev.pgwarden.sidecar.protocol.RelayChunk;
import dev.pgwarden.sidecar.protocol.SqlState;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.ClassifierPool;
import dev.pgwarden.sidecar.sql.StatementSplitter;
import dev.pgwarden.sidecar.sql.Target;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.masking.plan.CatalogSnapshot;
import dev.pgwarden.sidecar.masking.plan.MaskPlan;
import dev.pgwarden.sidecar.masking.MaskingEngine;
import dev.pgwarden.sidecar.sql.SqlNames;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Decides every statement before it reaches the database, in the order the client sent it.
 *
 * <p>Messages pass through in runs; a statement the policy allows costs a cache lookup. When a
 * decision cannot be made at once (a shape seen for the first time must be parsed on the worker
 * pool; a statement waits for a human), the gate pauses: it stops reading from the client and
 * keeps what already arrived, in order, until the decision is in. Nothing behind a held
 * statement overtakes it.
 *
 * <p>A refused statement is never sent. In its place the server gets a statement that fails to
 * parse, so the server itself produces the error at the right point of the response stream, ends
 * the transaction block as any error would, and (extended protocol) skips to Sync. The session
 * then swaps that error for pgwarden's own before the client sees it.
 */
final class StatementGate {
  /** Fails in the server's parser, so it never runs anything, in any transaction state. */
  static final String REFUSED_SQL = "pgwarden refused this statement";
  private static final String REFUSED_STATEMENT_NAME = "pgwarden_refused";

  /** What the session does for the gate. */
  interface Output {
    void toServer(ByteBuf bytes);

    void terminate(ByteBuf lastBytes);

    /** Sends a NoticeResponse at the next message boundary of the server-to-client stream. */
    void notice(ByteBuf notice);

    void pauseReading(boolean paused);

    /** Runs a task on the session's event loop (decisions completed elsewhere come back here). */
    void onLoop(Runnable task);

    io.netty.buffer.ByteBufAllocator alloc();

    void failed(Throwable t);
  }

  /** How the message at the cursor was resolved while the gate was paused on it. */
  private sealed interface Resolution {
  }

  private record Classified(List<String> statements, List<Classification> classes) implements Resolution {
  }

  private record Run(List<String> statements, List<StatementDecision> decisions, ApprovalFlow.Held held)
      implements Resolution {
  }

  private record Refuse(List<String> statements, List<StatementDecision> decisions, Refusal refusal)
      implements Resolution {
  }

  /** The masking catalog could not be read: statements cannot be judged for masking. */
  private record CatalogFailed(Throwable cause) implements Resolution {
  }

  /** The masking catalog is current again: inspect the message afresh. */
  private record CatalogReady() implements Resolution {
  }

  private enum Step { FORWARD, REPLACED, WAIT, TERMINATE }

  private final ArrayDeque<Object> inbox = new ArrayDeque<>();
  private final GateContext context;
  private final StatementTracker tracker;
  private final SqlPreparedStatements sqlPrepared = new SqlPreparedStatements();
  private final SessionCursors cursors;
  /** A message to send the server just before the one being inspected (a Describe masking needs). */
  private ByteBuf injectBefore;
  /**
   * What the server gets instead of the message being inspected (a refused statement's
   * stand-in): sent only after the messages before it, which may still wait in the current run.
   */
  private ByteBuf replaceWith;
  private final ApprovalFlow approvals;
  private final Output out;
  /** Index of the next message to inspect in the batch at the head of the inbox, and its byte offset. */
  private int cursor;
  private int cursorOffset;
  private Resolution resolution;
  private boolean paused;
  private boolean closed;
  /** After a refusal in the extended protocol the server skips to Sync: so can the gate. */
  private boolean refusedUntilSync;

  StatementGate(GateContext context, StatementTracker tracker, Output out) {
    this(context, tracker, out, new SessionCursors());
  }

  StatementGate(GateContext context, StatementTracker tracker, Output out, SessionCursors cursors) {
    this.cursors = cursors;
    this.context = context;
    this.tracker = tracker;
    this.out = out;
    this.approvals = new ApprovalFlow(context, out);
  }

  void offer(Object msg) {
    if (closed) {
      ReferenceCountUtil.release(msg);
      return;
    }
    inbox.add(msg);
    drain();
  }

  /** The client left: drop what waits, withdraw a pending approval. */
  void close() {
    closed = true;
    if (injectBefore != null) {
      injectBefore.release();
      injectBefore = null;
    }
    if (replaceWith != null) {
      replaceWith.release();
      replaceWith = null;
    }
    approvals.withdraw();
    inbox.forEach(ReferenceCountUtil::safeRelease);
    inbox.clear();
  }

  private void drain() {
    while (!paused && !closed && !inbox.isEmpty()) {
      Object head = inbox.peek();
      if (head instanceof RelayChunk chunk) {
        inbox.poll();
        out.toServer(chunk.bytes());
        continue;
      }
      PgBatch batch = (PgBatch) head;
      int runStart = cursorOffset;
      List<PgMessage> messages = batch.messages();
      while (cursor < messages.size()) {
        PgMessage m = messages.get(cursor);
        Step step;
        try {
          step = inspect(m);
        } catch (RuntimeException e) {
          // Never relayed: a message the proxy cannot read is a message it cannot judge or audit.
          releaseAll();
          out.failed(e instanceof IndexOutOfBoundsException ? new ProtocolException(SqlState.PROTOCOL_VIOLATION,
              "malformed message type '" + (char) m.type() + "': its contents do not match its length") : e);
          return;
        }
        if (step == Step.FORWARD) {
          if (injectBefore != null) {
            writeRange(batch, runStart, cursorOffset);
            out.toServer(injectBefore);
            injectBefore = null;
            runStart = cursorOffset;
          }
          cursorOffset += m.length();
          cursor++;
          continue;
        }
        writeRange(batch, runStart, cursorOffset);
        if (step == Step.WAIT) {
          paused = true;
          out.pauseReading(true);
          return;
        }
        if (step == Step.TERMINATE) {
          inbox.poll();
          out.terminate(batch.bytes().retainedSlice(cursorOffset, m.length()));
          batch.release();
          releaseAll();
          return;
        }
        if (replaceWith != null) {
          out.toServer(replaceWith);
          replaceWith = null;
        }
        cursorOffset += m.length();
        cursor++;
        runStart = cursorOffset;
      }
      writeRange(batch, runStart, cursorOffset);
      inbox.poll();
      batch.release();
      cursor = 0;
      cursorOffset = 0;
    }
  }

  private void resume(Resolution r) {
    if (closed) {
      return;
    }
    resolution = r;
    paused = false;
    drain();
    if (!paused && !closed) {
      out.pauseReading(false);
    }
  }

  private void writeRange(PgBatch batch, int from, int to) {
    if (to > from) {
      out.toServer(batch.bytes().retainedSlice(batch.bytes().readerIndex() + from, to - from));
    }
  }

  private void releaseAll() {
    inbox.forEach(ReferenceCountUtil::safeRelease);
    inbox.clear();
    cursor = 0;
    cursorOffset = 0;
  }

  // ---------------------------------------------------------------- per message

  private Step inspect(PgMessage m) {
    byte type = m.type();
    if (type == ProtocolCodes.TERMINATE) {
      tracker.onClientMessage(m);
      return Step.TERMINATE;
    }
    if (refusedUntilSync) {
      if (type == ProtocolCodes.SYNC) {
        refusedUntilSync = false;
      }
      tracker.onClientMessage(m);
      return Step.FORWARD;
    }
    boolean statement = type == ProtocolCodes.QUERY || type == ProtocolCodes.PARSE || type == ProtocolCodes.EXECUTE;
    if (statement && resolution == null) {
      // A fresh statement (not one resumed after a wait): it is judged by the newest policy.
      String broken = context.live().beforeStatement();
      tracker.useMasking(context.masking());
      if (broken != null) {
        return refuseWithoutPolicy(m, broken);
      }
    }
    if (statement && !catalogCurrent()) {
      return Step.WAIT;
    }
    return switch (type) {
      case ProtocolCodes.QUERY -> query(m);
      case ProtocolCodes.PARSE -> parse(m);
      case ProtocolCodes.EXECUTE -> execute(m);
      case ProtocolCodes.FUNCTION_CALL -> functionCall(m);
      default -> {
        tracker.onClientMessage(m);
        yield Step.FORWARD;
      }
    };
  }

  /** Simple protocol: every statement of the Query is judged; the strictest verdict is the Query's. */
  private Step query(PgMessage m) {
    Resolution r = takeResolution();
    if (r instanceof CatalogFailed failed) {
      return refuseQuery(catalogFailed(StatementSplitter.split(StatementTracker.cstring(m.body())), failed.cause()));
    }
    if (r instanceof Run run) {
      tracker.onQuery(m, run.statements(), run.decisions(), run.held());
      return Step.FORWARD;
    }
    if (r instanceof Refuse refuse) {
      return refuseQuery(refuse);
    }
    String unrecordable = context.cannotRecord().get();
    if (unrecordable != null) {
      return refuseQuery(unrecordable(StatementSplitter.split(StatementTracker.cstring(m.body())), unrecordable));
    }
    List<String> statements;
    List<Classification> classes;
    if (r instanceof Classified k) {
      statements = k.statements();
      classes = k.classes();
    } else {
      statements = StatementSplitter.split(StatementTracker.cstring(m.body()));
      classes = classifyCached(statements);
      if (classes == null) {
        return Step.WAIT;
      }
    }
    if (statements.isEmpty()) {
      tracker.onQuery(m, statements, List.of(), null);
      return Step.FORWARD;
    }
    List<StatementDecision> decisions = new ArrayList<>(classes.size());
    Verdict overall = null;
    boolean sensitive = false;
    for (int i = 0; i < classes.size(); i++) {
      Classification c = classes.get(i);
      MaskPlan plan = maskPlan(c, statements.get(i));
      Verdict v = withMasking(context.policy().decide(c, sqlPrepared::bodies), plan);
      // Applied in order, so an EXECUTE is judged by a PREPARE earlier in the same Query.
      sqlPrepared.apply(c);
      decisions.add(StatementDecision.of(c, v, plan));
      overall = overall == null ? v : overall.strictest(v);
      sensitive |= sensitive(plan, context.masking().enabled());
    }
    boolean shownSensitive = sensitive;
    return switch (overall.action()) {
      case Allow -> {
        tracker.onQuery(m, statements, decisions, null);
        yield Step.FORWARD;
      }
      case Deny -> refuseQuery(new Refuse(statements, decisions, refusalFor(overall)));
      case RequireApproval -> {
        approvals.request(statements.stream().map(s -> shown(s, shownSensitive)).collect(
            java.util.stream.Collectors.joining(";\n")), List.of(), overall,
            held -> resume(new Run(statements, stamp(decisions, held), held)),
            refusal -> resume(new Refuse(statements, stamp(decisions, refusal), refusal)));
        yield Step.WAIT;
      }
    };
  }

  /** The newest policy is invalid: every statement is refused, saying why, until a valid one is mounted. */
  private Step refuseWithoutPolicy(PgMessage m, String reason) {
    ByteBuf body = m.body();
    if (m.type() == ProtocolCodes.QUERY) {
      return refuseQuery(withoutPolicy(StatementSplitter.split(StatementTracker.cstring(body)), reason));
    }
    String sql;
    List<String> params = List.of();
    if (m.type() == ProtocolCodes.PARSE) {
      ByteBuf b = body.duplicate();
      Messages.readCString(b);
      sql = Messages.readCString(b);
    } else {
      StatementTracker.Portal portal = tracker.portal(StatementTracker.cstring(body));
      if (portal == null && tracker.discarding()) {
        tracker.onClientMessage(m);
        return Step.FORWARD;
      }
      sql = portal == null ? null : portal.sql();
      params = portal == null ? List.of() : portal.parameters();
    }
    Refuse refuse = withoutPolicy(List.of(sql == null ? "" : sql), reason);
    return refuseExtended(sql, params, refuse.decisions().get(0), refuse.refusal());
  }

  private static Refuse withoutPolicy(List<String> statements, String reason) {
    Verdict v = Verdict.of(List.of(new Verdict.Match(Action.Deny, "pgwarden:policy", reason)));
    List<StatementDecision> decisions = statements.stream()
        .map(s -> StatementDecision.of(Classification.unparseable("no valid policy"), v)).toList();
    return new Refuse(statements, decisions, new Refusal(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
        "pgwarden: statement refused: " + reason, "pgwarden refuses every statement while the newest policy is"
            + " invalid, rather than go on enforcing an older one.",
        "The policy's owner must fix the DatabaseAccessPolicy; statements run again within seconds of a valid"
            + " version reaching this pod.", null, null, null));
  }

  private Step refuseQuery(Refuse refuse) {
    replaceWith = Messages.query(out.alloc(), REFUSED_SQL);
    tracker.onRefused(true, refuse.statements(), List.of(), refuse.decisions(), refuse.refusal());
    return Step.REPLACED;
  }

  /** Extended protocol: classified when parsed, so Execute decides without parsing; a denied statement fails here. */
  private Step parse(PgMessage m) {
    ByteBuf body = m.body();
    Messages.readCString(body);
    String sql = Messages.readCString(body);
    Resolution r = takeResolution();
    if (r instanceof CatalogFailed failed) {
      Refuse refuse = catalogFailed(List.of(sql), failed.cause());
      return refuseExtended(sql, List.of(), refuse.decisions().get(0), refuse.refusal());
    }
    Classification c;
    if (r instanceof Classified k) {
      c = k.classes().isEmpty() ? null : k.classes().get(0);
    } else {
      List<String> statements = StatementSplitter.split(sql);
      if (statements.size() > 1) {
        // The server refuses several statements in one Parse; let it say so.
        tracker.onClientMessage(m);
        return Step.FORWARD;
      }
      List<Classification> classes = classifyCached(statements);
      if (classes == null) {
        return Step.WAIT;
      }
      c = classes.isEmpty() ? null : classes.get(0);
    }
    if (c != null) {
      MaskPlan plan = context.masking().enabled() && c.kind() != StatementKind.DECLARE ? maskPlan(c, sql) : null;
      Verdict v = withMasking(context.policy().decide(c, sqlPrepared::bodies), plan);
      if (v.action() == Action.Deny) {
        return refuseExtended(sql, List.of(), StatementDecision.of(c, v, plan), refusalFor(v));
      }
    }
    tracker.onParse(m, c);
    return Step.FORWARD;
  }

  private Step execute(PgMessage m) {
    Resolution r = takeResolution();
    StatementTracker.Portal portal = tracker.portal(StatementTracker.cstring(m.body()));
    if (portal == null && tracker.discarding()) {
      tracker.onClientMessage(m);
      return Step.FORWARD;
    }
    String sql = portal == null ? null : portal.sql();
    List<String> params = portal == null ? List.of() : portal.parameters();
    String portalName = StatementTracker.cstring(m.body());
    if (r instanceof CatalogFailed failed) {
      Refuse refuse = catalogFailed(List.of(sql == null ? "" : sql), failed.cause());
      return refuseExtended(sql, params, refuse.decisions().get(0), refuse.refusal());
    }
    if (r instanceof Run run) {
      describeForMasking(portalName);
      tracker.onExecute(m, run.decisions().get(0), run.held());
      return Step.FORWARD;
    }
    if (r instanceof Refuse refuse) {
      return refuseExtended(sql, params, refuse.decisions().get(0), refuse.refusal());
    }
    String unrecordable = context.cannotRecord().get();
    if (unrecordable != null) {
      Refuse refuse = unrecordable(List.of(sql == null ? "" : sql), unrecordable);
      return refuseExtended(sql, params, refuse.decisions().get(0), refuse.refusal());
    }
    Classification c = portal == null || portal.classification() == null
        ? Classification.unparseable("Execute of a portal pgwarden did not see bound") : portal.classification();
    MaskPlan plan = maskPlan(c, sql);
    Verdict v = withMasking(context.policy().decide(c, sqlPrepared::bodies), plan);
    sqlPrepared.apply(c);
    StatementDecision d = StatementDecision.of(c, v, plan);
    boolean hide = sensitive(plan, context.masking().enabled());
    return switch (v.action()) {
      case Allow -> {
        describeForMasking(portalName);
        tracker.onExecute(m, d, null);
        yield Step.FORWARD;
      }
      case Deny -> refuseExtended(sql, params, d, refusalFor(v));
      case RequireApproval -> {
        approvals.request(shown(sql == null ? "" : sql, hide), shownParameters(params, hide), v,
            held -> resume(new Run(List.of(), List.of(d.withApproval(held.name(), "approved", held.reviewer())), held)),
            refusal -> resume(new Refuse(List.of(), List.of(d.withApproval(refusal.approval(),
                refusal.approvalOutcome(), refusal.reviewer())), refusal)));
        yield Step.WAIT;
      }
    };
  }

  /**
   * Rows of an Execute carry no description of their columns: when the client did not describe
   * the portal or its statement, pgwarden asks the server itself, just before the Execute, and
   * keeps the answer from the client.
   */
  private void describeForMasking(String portal) {
    if (context.masking().enabled() && !tracker.describedPortal(portal)) {
      injectBefore = Messages.describePortal(out.alloc(), portal);
      tracker.onDescribeInjected(portal);
    }
  }

  private Step refuseExtended(String sql, List<String> params, StatementDecision d, Refusal refusal) {
    replaceWith = Messages.parse(out.alloc(), REFUSED_STATEMENT_NAME, REFUSED_SQL);
    tracker.onRefused(false, sql == null ? List.of("") : List.of(sql), params, List.of(d), refusal);
    refusedUntilSync = true;
    return Step.REPLACED;
  }

  /**
   * The fast-path function call names a function by OID, out of reach of classification: it is
   * refused, and the agent is told to call the function from SQL instead.
   */
  private Step functionCall(PgMessage m) {
    int oid = m.body().getInt(m.body().readerIndex());
    String text = "-- function call, oid " + oid;
    Verdict v = Verdict.of(List.of(new Verdict.Match(Action.Deny, "pgwarden:function-call",
        "the fast-path function call protocol names functions by OID, which pgwarden cannot classify")));
    Refusal refusal = new Refusal(SqlState.INSUFFICIENT_PRIVILEGE,
        "pgwarden: the fast-path function call protocol is not allowed",
        v.reason(), "call the function from SQL instead, for example SELECT function_name(...)", null, null, null);
    replaceWith = Messages.query(out.alloc(), REFUSED_SQL);
    tracker.onRefused(true, List.of(text), List.of(),
        List.of(StatementDecision.of(Classification.unparseable("fast-path function call"), v)), refusal);
    return Step.REPLACED;
  }

  // ---------------------------------------------------------------- masking

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

  /** How masking treats the statement, or null when the policy masks nothing. */
  private MaskPlan maskPlan(Classification c, String sql) {
    MaskingEngine masking = context.masking();
    if (!masking.enabled()) {
      return null;
    }
    CatalogSnapshot snapshot = masking.catalog().latest();
    MaskPlan plan = masking.planner().plan(c, sql, snapshot,
        sqlPrepared.bodies(c.target() instanceof Target.Execute e ? e.name() : ""), cursors.plans());
    if (tracker.catalogDirty() && plan.refusal() == null) {
      // DDL earlier in this transaction: the snapshot may no longer describe what the statement reads.
      plan = masking.planner().untraceable();
    }
    if (c.kind() == StatementKind.DECLARE && c.target() instanceof Target.Cursor cursor) {
      cursors.declared(cursor.name(), plan, masking.planner()::untraceable);
    }
    if (plan.refusal() == null && DDL_KINDS.contains(c.kind())) {
      tracker.ddlForwarded();
    }
    return plan;
  }

  /** The policy's verdict, made a denial when masking refuses the statement. */
  private static Verdict withMasking(Verdict v, MaskPlan plan) {
    if (plan == null || plan.refusal() == null) {
      return v;
    }
    return v.strictest(Verdict.of(List.of(new Verdict.Match(Action.Deny, MASKING_RULE, plan.refusal()))));
  }

  static final String MASKING_RULE = "pgwarden:masking";
  /** Statements that may change what the catalog snapshot says. */
  private static final java.util.Set<StatementKind> DDL_KINDS = java.util.EnumSet.of(StatementKind.CREATE,
      StatementKind.ALTER, StatementKind.DROP, StatementKind.OTHER, StatementKind.UNPARSEABLE);

  private static Refusal refusalFor(Verdict v) {
    return v.rule().equals(MASKING_RULE) ? Refusal.masked(v.reason()) : Refusal.denied(v);
  }

  private Refuse catalogFailed(List<String> statements, Throwable cause) {
    Verdict v = Verdict.of(List.of(new Verdict.Match(Action.Deny, "pgwarden:catalog",
        "pgwarden cannot read the database catalog it needs to mask results")));
    List<StatementDecision> decisions = statements.stream()
        .map(s -> StatementDecision.of(Classification.unparseable("masking catalog unavailable"), v)).toList();
    Throwable root = cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null
        ? cause.getCause() : cause;
    return new Refuse(statements, decisions, new Refusal(SqlState.SYSTEM_ERROR,
        "pgwarden: cannot read the database catalog to apply the policy's masking; the statement did not run",
        String.valueOf(root.getMessage()), "retry in a moment; if it persists, the database refuses pgwarden's"
        + " catalog connection", null, null, null));
  }

  /** What a statement that may hold masked values shows reviewers: its fingerprint, its parameters withheld. */
  private static String shown(String sql, boolean sensitive) {
    return sensitive ? SqlNames.fingerprint(sql) : sql;
  }

  private static List<String> shownParameters(List<String> params, boolean sensitive) {
    return sensitive ? params.stream().map(p -> p == null ? null : "[redacted]").toList() : params;
  }

  private static boolean sensitive(MaskPlan plan, boolean maskingOn) {
    return maskingOn && (plan == null || plan.sensitive());
  }

  // ---------------------------------------------------------------- classification

  /** The classifications of all statements from the cache, or null after starting to parse the misses. */
  private List<Classification> classifyCached(List<String> statements) {
    ClassifierPool pool = context.classifier();
    List<Classification> classes = new ArrayList<>(statements.size());
    List<CompletableFuture<Classification>> misses = null;
    for (String s : statements) {
      Classification c = pool.cached(s);
      classes.add(c);
      if (c == null) {
        misses = misses == null ? new ArrayList<>() : misses;
      }
    }
    if (misses == null) {
      return classes;
    }
    List<CompletableFuture<Classification>> all = new ArrayList<>(statements.size());
    for (int i = 0; i < statements.size(); i++) {
      Classification c = classes.get(i);
      all.add(c != null ? CompletableFuture.completedFuture(c) : pool.classify(statements.get(i)));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).whenComplete((ignored, failure) -> out.onLoop(() -> {
      if (failure != null) {
        resume(busy(statements));
      } else {
        resume(new Classified(statements, all.stream().map(CompletableFuture::join).toList()));
      }
    }));
    return null;
  }

  private Refuse busy(List<String> statements) {
    Verdict v = Verdict.of(List.of(new Verdict.Match(Action.Deny, "pgwarden:busy",
        "too many statements are waiting to be classified")));
    List<StatementDecision> decisions = statements.stream()
        .map(s -> StatementDecision.of(Classification.unparseable("classifier busy"), v)).toList();
    return new Refuse(statements, decisions, new Refusal(SqlState.INSUFFICIENT_RESOURCES,
        "pgwarden: too many statements are waiting to be classified", null, "retry the statement in a moment",
        null, null, null));
  }

  /** The policy is fail-closed and the session cannot be recorded: nothing runs unrecorded. */
  private static Refuse unrecordable(List<String> statements, String why) {
    Verdict v = Verdict.of(List.of(new Verdict.Match(Action.Deny, "pgwarden:recording", why)));
    List<StatementDecision> decisions = statements.stream()
        .map(s -> StatementDecision.of(Classification.unparseable("not recordable"), v)).toList();
    return new Refuse(statements, decisions, new Refusal(SqlState.DISK_FULL,
        "pgwarden: the statement did not run because it cannot be recorded", why + ".",
        "The policy's audit.failClosed keeps statements from running unrecorded. Retry in a few minutes;"
            + " if it persists, the platform team must bring the recording store back.", null, null, null));
  }

  private Resolution takeResolution() {
    Resolution r = resolution;
    resolution = null;
    return r;
  }

  private static List<StatementDecision> stamp(List<StatementDecision> decisions, ApprovalFlow.Held held) {
    return decisions.stream().map(d -> d.withApproval(held.name(), "approved", held.reviewer())).toList();
  }

  private static List<StatementDecision> stamp(List<StatementDecision> decisions, Refusal refusal) {
    return decisions.stream().map(d -> d.withApproval(refusal.approval(), refusal.approvalOutcome(), refusal.reviewer()))
        .toList();
  }
}
