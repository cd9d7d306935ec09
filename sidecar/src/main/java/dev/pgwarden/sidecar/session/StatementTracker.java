package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.ServerError;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.StatementSplitter;
import dev.pgwarden.sidecar.masking.MaskingEngine;
import dev.pgwarden.sidecar.masking.wire.MessageScrubber;
import dev.pgwarden.sidecar.masking.wire.ResultField;
import dev.pgwarden.sidecar.masking.wire.RowMasker;
import dev.pgwarden.sidecar.masking.wire.ValueMasker;
import dev.pgwarden.sidecar.sql.SqlNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pairs what the client sent with what the server answered, so every statement is audited with
 * its decision and its outcome. Client messages that expect an answer join a FIFO; server
 * messages complete them in order. Both protocols are covered, pipelining included: after an
 * error in the extended protocol the server skips everything up to Sync, and so does the tracker
 * (skipped statements are audited as such). A statement the gate refused is in the FIFO too, as
 * the stand-in the server will fail; its error is swapped for the refusal when it arrives.
 */
final class StatementTracker {
  private enum Kind { QUERY, PARSE, BIND, EXECUTE, DESCRIBE, CLOSE, SYNC, FUNCTION_CALL, REFUSED_QUERY, REFUSED_PARSE }

  /** Returned by {@link #onServerMessage} for a message the client must not see (an answer to pgwarden's own Describe). */
  static final ByteBuf DROP = io.netty.buffer.Unpooled.EMPTY_BUFFER;
  private static final ResultField[] NO_COLUMNS = new ResultField[0];

  /** One client message awaiting its answer. Mutable only for a simple Query's progress. */
  private static final class Pending {
    final Kind kind;
    final String sql;
    final List<String> statements;
    final List<String> parameters;
    final List<StatementDecision> decisions;
    final ApprovalFlow.Held held;
    final Refusal refusal;
    long startNanos;
    int next;
    boolean failed;
    /** Describe: 'S' or 'P' and the name described; Execute: the portal. */
    char describes;
    String name;
    boolean injected;
    /** For a Describe: the version of the statement or portal described. */
    Object version;

    Pending(Kind kind, String sql, List<String> statements, List<String> parameters, List<StatementDecision> decisions,
        ApprovalFlow.Held held, Refusal refusal) {
      this.kind = kind;
      this.sql = sql;
      this.statements = statements;
      this.parameters = parameters;
      this.decisions = decisions;
      this.held = held;
      this.refusal = refusal;
      this.startNanos = System.nanoTime();
    }

    StatementDecision decision(int i) {
      return decisions == null || i >= decisions.size() ? null : decisions.get(i);
    }
  }

  /** A bound portal: its statement's text and classification, and the parameters as text. */
  record Portal(String sql, List<String> parameters, Classification classification) {
  }

  /** A statement as parsed: its text, the parameter types the client declared, its classification. */
  private record Prepared(String sql, int[] typeOids, Classification classification) {
  }

  private static final int[] NO_TYPES = new int[0];

  private final Deque<Pending> pending = new ArrayDeque<>();
  private final Map<String, Prepared> preparedStatements = new HashMap<>();
  private final Map<String, Portal> portals = new HashMap<>();
  private final SessionAudit audit;
  private final ByteBufAllocator alloc;
  private boolean discardingUntilSync;
  private MaskingEngine masking;
  private ValueMasker values;
  /** Result columns of prepared statements and portals, as described (masking only). */
  private final Map<String, ResultField[]> statementColumns = new HashMap<>();
  private final Map<String, ResultField[]> portalColumns = new HashMap<>();
  /**
   * What each name means now: a new object at every Parse or Bind of it. A Describe's answer is
   * kept only if its name still means what it meant when the Describe was sent (a pipelined Parse
   * may have replaced the unnamed statement meanwhile).
   */
  private final Map<String, Object> statementVersions = new HashMap<>();
  private final Map<String, Object> portalVersions = new HashMap<>();
  /** DDL was sent in this transaction: until it ends and the catalog is reread, nothing is trusted. */
  private boolean catalogDirty;
  private final SessionCursors cursors;
  /** How the rows of the result being received are masked; null to relay them as they are. */
  private RowMasker rows;
  /** {@link #rows} is decided for the current result. */
  private boolean rowsDecided;

  StatementTracker(SessionAudit audit, ByteBufAllocator alloc) {
    this(audit, alloc, MaskingEngine.disabled(), new SessionCursors());
  }

  StatementTracker(SessionAudit audit, ByteBufAllocator alloc, MaskingEngine masking, SessionCursors cursors) {
    this.cursors = cursors;
    this.audit = audit;
    this.alloc = alloc;
    this.masking = masking;
    this.values = masking.enabled() ? masking.newValueMasker() : null;
  }

  /**
   * A policy reload changed the masking: results from now on are masked with it (statements
   * already running keep the masking plan they were decided with; their rows are matched against
   * the new engine's catalog, or masked whole while it has none). Descriptions gathered so far
   * stay valid, since they describe the server's columns, not the policy.
   */
  void useMasking(MaskingEngine engine) {
    if (engine == masking) {
      return;
    }
    masking = engine;
    values = engine.enabled() ? engine.newValueMasker() : null;
    if (!engine.enabled()) {
      catalogDirty = false; // nothing left to reread the catalog for
    }
  }

  // ---------------------------------------------------------------- client side

  /** A message the gate let through without a decision of its own. */
  void onClientMessage(PgMessage m) {
    switch (m.type()) {
      case ProtocolCodes.QUERY -> {
        List<String> statements = StatementSplitter.split(cstring(m.body()));
        onQuery(m, statements, List.of(), null);
      }
      case ProtocolCodes.PARSE -> onParse(m, null);
      case ProtocolCodes.BIND -> bind(m);
      case ProtocolCodes.EXECUTE -> onExecute(m, null, null);
      case ProtocolCodes.DESCRIBE -> {
        ByteBuf b = m.body().duplicate();
        char what = (char) b.readByte();
        Pending p = expect(Kind.DESCRIBE, null, null, null, null);
        if (p != null) {
          p.describes = what;
          p.name = Messages.readCString(b);
          p.version = (what == 'S' ? statementVersions : portalVersions).get(p.name);
        }
      }
      case ProtocolCodes.CLOSE -> {
        ByteBuf b = m.body();
        byte what = b.readByte();
        String name = Messages.readCString(b);
        (what == 'S' ? preparedStatements : portals).remove(name);
        (what == 'S' ? statementColumns : portalColumns).remove(name);
        expect(Kind.CLOSE, null, null, null, null);
      }
      case ProtocolCodes.SYNC -> {
        discardingUntilSync = false;
        pending.add(new Pending(Kind.SYNC, null, null, null, null, null, null));
      }
      case ProtocolCodes.FUNCTION_CALL -> {
        int oid = m.body().getInt(m.body().readerIndex());
        pending.add(new Pending(Kind.FUNCTION_CALL, "-- function call, oid " + oid, null, null, null, null, null));
      }
      default -> {
      }
    }
  }

  void onQuery(PgMessage m, List<String> statements, List<StatementDecision> decisions, ApprovalFlow.Held held) {
    pending.add(new Pending(Kind.QUERY, null, statements, null, decisions, held, null));
  }

  void onParse(PgMessage m, Classification c) {
    ByteBuf b = m.body();
    String name = Messages.readCString(b);
    String sql = Messages.readCString(b);
    int[] types = new int[b.readUnsignedShort()];
    for (int i = 0; i < types.length; i++) {
      types[i] = b.readInt();
    }
    // The server refuses a second Parse of a named statement that is still open: the first stays.
    boolean replaces = name.isEmpty() || !preparedStatements.containsKey(name);
    if (!discardingUntilSync && replaces) {
      preparedStatements.put(name, new Prepared(sql, types, c));
      statementColumns.remove(name);
      statementVersions.put(name, new Object());
    }
    expect(Kind.PARSE, sql, null, null, null);
  }

  private void bind(PgMessage m) {
    ByteBuf body = m.body();
    Prepared prepared = preparedStatements.get(statementName(body));
    BindParameters bind = BindParameters.parse(body, prepared == null ? NO_TYPES : prepared.typeOids());
    String sql = prepared == null ? null : prepared.sql();
    if (!discardingUntilSync) {
      Classification c = prepared == null ? null : prepared.classification();
      boolean rebound = !bind.portal().isEmpty() && portals.containsKey(bind.portal());
      if (rebound) {
        // A named portal bound again: the server refuses it while the first is open and accepts it
        // after the transaction ended; pgwarden cannot tell which, so it knows nothing of it.
        c = Classification.unparseable("portal \"" + bind.portal() + "\" was bound twice; pgwarden cannot tell"
            + " which statement it runs (use a new portal name, or close the old one first)");
      }
      portals.put(bind.portal(), new Portal(sql, bind.values(), c));
      portalVersions.put(bind.portal(), new Object());
      if (masking.enabled()) {
        // A rebound portal's rows are described afresh (pgwarden's own Describe) before they pass.
        ResultField[] described = rebound ? null : statementColumns.get(bind.statement());
        if (described != null) {
          portalColumns.put(bind.portal(), ResultField.withFormats(described, bind.resultFormats()));
        } else {
          portalColumns.remove(bind.portal());
        }
      }
    }
    expect(Kind.BIND, sql, bind.values(), null, null);
  }

  void onExecute(PgMessage m, StatementDecision decision, ApprovalFlow.Held held) {
    Portal portal = portals.get(cstring(m.body()));
    String sql = portal == null ? null : portal.sql();
    List<String> params = portal == null ? null : portal.parameters();
    if (discardingUntilSync) {
      audit.statement("extended", sql, params, "skipped", null, -1, null, decision);
    } else {
      Pending p = expect(Kind.EXECUTE, sql, params, decision == null ? null : List.of(decision), held);
      p.name = cstring(m.body());
    }
  }

  /** Whether the columns of a portal's rows are known, from the client's Describe or pgwarden's. */
  boolean describedPortal(String portal) {
    return portalColumns.containsKey(portal);
  }

  /** The gate sent a Describe of the portal ahead of its Execute: its answer is for pgwarden only. */
  void onDescribeInjected(String portal) {
    Pending p = expect(Kind.DESCRIBE, null, null, null, null);
    if (p != null) {
      p.describes = 'P';
      p.name = portal;
      p.injected = true;
      p.version = portalVersions.get(portal);
    }
  }

  /**
   * The gate refused a statement and sent a stand-in the server will fail: audited now, and its
   * error is replaced when it arrives.
   */
  void onRefused(boolean simple, List<String> statements, List<String> parameters, List<StatementDecision> decisions,
      Refusal refusal) {
    String protocol = simple ? "simple" : "extended";
    for (int i = 0; i < statements.size(); i++) {
      StatementDecision d = i < decisions.size() ? decisions.get(i) : null;
      audit.statement(protocol, statements.get(i), parameters, "refused", null, -1, refusal.sqlState(),
          refusal.message(), d);
    }
    if (simple) {
      pending.add(new Pending(Kind.REFUSED_QUERY, null, List.of(), null, null, null, refusal));
    } else if (!discardingUntilSync) {
      pending.add(new Pending(Kind.REFUSED_PARSE, null, null, null, null, null, refusal));
    }
  }

  Portal portal(String name) {
    return portals.get(name);
  }

  boolean discarding() {
    return discardingUntilSync;
  }

  /** Queues a message that awaits an answer, unless the server is skipping to the next Sync (then null). */
  private Pending expect(Kind kind, String sql, List<String> params, List<StatementDecision> decisions,
      ApprovalFlow.Held held) {
    if (discardingUntilSync) {
      return null;
    }
    Pending p = new Pending(kind, sql, null, params, decisions, held, null);
    pending.add(p);
    return p;
  }

  // ---------------------------------------------------------------- server side

  /**
   * @return a message to send the client instead of {@code m} (the refusal that replaces the
   *     stand-in's error, an error or notice with its values scrubbed), {@link #DROP} for the
   *     answer to pgwarden's own Describe, or null to relay {@code m} as it is. DataRows are
   *     masked by the session through {@link #rowsFor}.
   */
  ByteBuf onServerMessage(PgMessage m) {
    Pending head = pending.peek();
    switch (m.type()) {
      case ProtocolCodes.DATA_ROW -> {
        // Masked by the session through rowsFor, so a read's rows go out in one buffer.
        return null;
      }
      case ProtocolCodes.PARSE_COMPLETE, ProtocolCodes.BIND_COMPLETE, ProtocolCodes.CLOSE_COMPLETE -> pending.poll();
      case ProtocolCodes.NO_DATA -> {
        if (head != null && head.kind == Kind.DESCRIBE) {
          pending.poll();
          return described(head, NO_COLUMNS);
        }
        pending.poll();
      }
      case ProtocolCodes.ROW_DESCRIPTION -> {
        if (head != null && head.kind == Kind.DESCRIBE) {
          pending.poll();
          return masking.enabled() ? described(head, ResultField.read(m.body())) : null;
        }
        if (masking.enabled() && head != null && head.kind == Kind.QUERY) {
          // Simple protocol: the description of the statement now running, in the formats it uses.
          startRows(ResultField.read(m.body()), head.decision(head.next));
        }
      }
      case ProtocolCodes.COMMAND_COMPLETE -> {
        endRows();
        completed(head, cstring(m.body()), "ok");
      }
      case ProtocolCodes.EMPTY_QUERY -> {
        endRows();
        if (head != null && head.kind == Kind.EXECUTE) {
          completed(head, null, "ok");
        }
      }
      case ProtocolCodes.PORTAL_SUSPENDED -> {
        endRows();
        completed(head, null, "suspended");
      }
      case ProtocolCodes.ERROR_RESPONSE -> {
        endRows();
        if (head != null && head.refusal != null) {
          Refusal r = head.refusal;
          failed(head, null, null);
          return Messages.report(alloc, ProtocolCodes.ERROR_RESPONSE, "ERROR", r.sqlState(), r.message(), r.detail(),
              r.hint());
        }
        ByteBuf scrubbed = scrub(head, m);
        ServerError seen = ServerError.parse(scrubbed == null ? m.body() : messageBody(scrubbed));
        failed(head, ServerError.parse(m.body()).sqlState(), seen.message());
        return scrubbed;
      }
      case ProtocolCodes.NOTICE_RESPONSE -> {
        ByteBuf scrubbed = scrub(head, m);
        if (scrubbed != DROP) {
          ServerError seen = ServerError.parse(scrubbed == null ? m.body() : messageBody(scrubbed));
          audit.notice(seen.severity(), seen.sqlState(), seen.message());
        }
        return scrubbed;
      }
      case ProtocolCodes.READY_FOR_QUERY -> {
        endRows();
        readyForQuery();
        if (m.body().getByte(m.body().readerIndex()) == 'I') {
          // Out of any transaction: protocol portals are gone.
          portals.keySet().removeIf(n -> !n.isEmpty());
          portalColumns.keySet().removeIf(n -> !n.isEmpty());
          if (catalogDirty) {
            // The DDL is committed (or rolled back): the catalog may differ from the snapshot.
            catalogDirty = false;
            masking.catalog().invalidate();
          }
        }
      }
      default -> {
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- masking

  /** A Describe was answered: remember the columns; pgwarden's own Describe is not passed on. */
  private ByteBuf described(Pending describe, ResultField[] columns) {
    if (masking.enabled() && describe.name != null) {
      boolean statement = describe.describes == 'S';
      Object now = (statement ? statementVersions : portalVersions).get(describe.name);
      if (now == describe.version) {
        (statement ? statementColumns : portalColumns).put(describe.name, columns);
      }
    }
    return describe.injected ? DROP : null;
  }

  private void startRows(ResultField[] columns, StatementDecision decision) {
    // After DDL in this transaction the snapshot may describe relations that no longer are what they were.
    rows = RowMasker.of(columns, decision == null || catalogDirty ? null : decision.mask(),
        catalogDirty ? null : masking.catalog().latest(), masking.strictest(), values, this::unknownRelation);
    rowsDecided = true;
  }

  /** The gate let DDL through: until its transaction ends, results are masked as if nothing were known. */
  void ddlForwarded() {
    if (masking.enabled()) {
      catalogDirty = true;
    }
  }

  boolean catalogDirty() {
    return catalogDirty;
  }

  private void endRows() {
    rows = null;
    rowsDecided = false;
  }

  private void unknownRelation() {
    // A relation newer than the snapshot: its columns are masked whole until the next one.
    if (masking.enabled()) {
      masking.catalog().refresh();
    }
  }

  /** How to mask a DataRow of the current result, or null to relay it as it is. */
  RowMasker rowsFor(PgMessage row) {
    if (!masking.enabled()) {
      return null;
    }
    decideRows(row.body().getUnsignedShort(row.body().readerIndex()));
    return rows;
  }

  /** Decides the masking of an Execute's rows at its first row: they carry no description of their own. */
  private void decideRows(int columnCount) {
    if (rowsDecided) {
      return;
    }
    Pending head = pending.peek();
    ResultField[] columns = head != null && head.kind == Kind.EXECUTE && head.name != null
        ? portalColumns.get(head.name) : null;
    if (columns == null) {
      // Never described (it should have been), or rows outside any known result: none passes.
      startRows(unknownColumns(columnCount), null);
    } else {
      startRows(columns, head.decision(0));
    }
  }

  private static ResultField[] unknownColumns(int n) {
    ResultField[] out = new ResultField[n];
    java.util.Arrays.fill(out, new ResultField(0, 0, 0, false));
    return out;
  }

  /** Errors and notices about statements that read masked columns lose the values they quote. */
  private ByteBuf scrub(Pending head, PgMessage m) {
    if (!masking.enabled()) {
      return null;
    }
    StatementDecision d = head == null ? null : head.kind == Kind.QUERY ? head.decision(head.next) : head.decision(0);
    if (d != null && d.mask() != null && !d.mask().sensitive()) {
      return null;
    }
    String sql = head == null ? null : head.kind == Kind.QUERY ? statement(head) : head.sql;
    java.util.Set<String> names;
    try {
      names = SqlNames.of(sql);
    } catch (IllegalStateException e) {
      names = java.util.Set.of();
    }
    boolean opaque = d == null || d.mask() == null || d.mask().opaqueCode();
    return MessageScrubber.scrub(m.frame(), names, sql, opaque && m.type() == ProtocolCodes.NOTICE_RESPONSE
        || opaque && d != null && isCodeError(m), alloc);
  }

  /** An error raised by PL/pgSQL code (RAISE, ASSERT): its message is whatever the code wrote. */
  private static boolean isCodeError(PgMessage m) {
    String state = ServerError.parse(m.body()).sqlState();
    return state != null && state.startsWith("P0");
  }

  /** Whether rows of the current result are masked (chunked rows must then be gathered whole). */
  boolean masksRows(int columnsHint) {
    if (!masking.enabled()) {
      return false;
    }
    decideRows(columnsHint);
    return rows != null;
  }

  private void completed(Pending head, String tag, String outcome) {
    if (head == null) {
      return;
    }
    StatementDecision done = head.kind == Kind.QUERY ? head.decision(head.next) : head.decision(0);
    if (done != null && tag != null && tag.startsWith("CLOSE")) {
      // Only a CLOSE that ran forgets the cursor (one the server refused leaves it open).
      cursors.closed(done.classification().target());
    }
    long now = System.nanoTime();
    if (head.kind == Kind.QUERY) {
      audit.statement("simple", statement(head), null, outcome, tag, now - head.startNanos, null, head.decision(head.next));
      head.next++;
      head.startNanos = now;
    } else if (head.kind == Kind.EXECUTE) {
      pending.poll();
      audit.statement("extended", head.sql, head.parameters, outcome, tag, now - head.startNanos, null, head.decision(0));
      if (head.held != null && !outcome.equals("suspended")) {
        head.held.executed(true);
      }
    }
  }

  private static String statement(Pending query) {
    return query.next < query.statements.size() ? query.statements.get(query.next) : "";
  }

  /** The fields of a whole ErrorResponse/NoticeResponse frame (type byte and length skipped). */
  private static ByteBuf messageBody(ByteBuf frame) {
    return frame.slice(frame.readerIndex() + 5, frame.readableBytes() - 5);
  }

  /** @param message the error as the agent sees it, for the audit */
  private void failed(Pending head, String sqlState, String message) {
    if (head == null || head.kind == Kind.SYNC) {
      return;
    }
    long now = System.nanoTime();
    switch (head.kind) {
      case QUERY -> {
        audit.statement("simple", statement(head), null, "error", null, now - head.startNanos, sqlState, message,
            head.decision(head.next));
        head.next++;
        head.failed = true;
        if (head.held != null) {
          head.held.executed(false);
        }
      }
      case FUNCTION_CALL, REFUSED_QUERY -> head.failed = true;
      default -> {
        // The server now ignores everything up to Sync: the failing statement is the first
        // Execute at or after the failed message; later Executes never run.
        Pending failing = null;
        boolean attributed = false;
        while (!pending.isEmpty() && pending.peek().kind != Kind.SYNC) {
          Pending p = pending.poll();
          failing = failing == null ? p : failing;
          if (p.kind == Kind.EXECUTE) {
            boolean first = !attributed && failing.kind != Kind.REFUSED_PARSE;
            audit.statement("extended", p.sql, p.parameters, first ? "error" : "skipped", null,
                first ? now - p.startNanos : -1, first ? sqlState : null, first ? message : null, p.decision(0));
            if (p.held != null && first) {
              p.held.executed(false);
            }
            attributed = true;
          }
        }
        if (!attributed && failing != null && failing.kind != Kind.REFUSED_PARSE) {
          audit.statement("extended", failing.sql, failing.parameters, "error", null, now - failing.startNanos, sqlState,
              message, null);
        }
        discardingUntilSync = pending.isEmpty();
      }
    }
  }

  private void readyForQuery() {
    while (!pending.isEmpty()) {
      Pending p = pending.poll();
      switch (p.kind) {
        case SYNC, REFUSED_QUERY -> {
          return;
        }
        case QUERY -> {
          for (int i = p.next; i < p.statements.size(); i++) {
            audit.statement("simple", p.statements.get(i), null, "skipped", null, -1, null, p.decision(i));
          }
          return;
        }
        case FUNCTION_CALL -> {
          audit.statement("function", p.sql, null, p.failed ? "error" : "ok", null, System.nanoTime() - p.startNanos,
              null, null);
          return;
        }
        case EXECUTE -> audit.statement("extended", p.sql, p.parameters, "skipped", null, -1, null, p.decision(0));
        default -> {
        }
      }
    }
  }

  /** The client left: statements still waiting for an answer may or may not have run. */
  void interrupted() {
    for (Pending p : pending) {
      if (p.kind == Kind.EXECUTE) {
        audit.statement("extended", p.sql, p.parameters, "interrupted", null, System.nanoTime() - p.startNanos, null,
            p.decision(0));
      } else if (p.kind == Kind.QUERY) {
        for (int i = p.next; i < p.statements.size(); i++) {
          audit.statement("simple", p.statements.get(i), null, "interrupted", null, -1, null, p.decision(i));
        }
      }
    }
    pending.clear();
  }

  /** The statement name of a Bind: its second string. */
  private static String statementName(ByteBuf bindBody) {
    int portalEnd = bindBody.indexOf(bindBody.readerIndex(), bindBody.writerIndex(), (byte) 0);
    if (portalEnd < 0) {
      return "";
    }
    return cstring(bindBody.slice(portalEnd + 1, bindBody.writerIndex() - portalEnd - 1));
  }

  static String cstring(ByteBuf body) {
    int end = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
    int stop = end < 0 ? body.writerIndex() : end;
    return body.toString(body.readerIndex(), stop - body.readerIndex(), StandardCharsets.UTF_8);
  }
}
