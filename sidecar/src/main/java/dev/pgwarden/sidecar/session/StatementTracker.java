package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.ServerError;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.StatementSplitter;
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

  StatementTracker(SessionAudit audit, ByteBufAllocator alloc) {
    this.audit = audit;
    this.alloc = alloc;
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
      case ProtocolCodes.DESCRIBE -> expect(Kind.DESCRIBE, null, null, null, null);
      case ProtocolCodes.CLOSE -> {
        ByteBuf b = m.body();
        byte what = b.readByte();
        String name = Messages.readCString(b);
        (what == 'S' ? preparedStatements : portals).remove(name);
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
    if (!discardingUntilSync) {
      preparedStatements.put(name, new Prepared(sql, types, c));
    }
    expect(Kind.PARSE, sql, null, null, null);
  }

  private void bind(PgMessage m) {
    ByteBuf body = m.body();
    Prepared prepared = preparedStatements.get(statementName(body));
    BindParameters bind = BindParameters.parse(body, prepared == null ? NO_TYPES : prepared.typeOids());
    String sql = prepared == null ? null : prepared.sql();
    if (!discardingUntilSync) {
      portals.put(bind.portal(), new Portal(sql, bind.values(), prepared == null ? null : prepared.classification()));
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
      expect(Kind.EXECUTE, sql, params, decision == null ? null : List.of(decision), held);
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
      audit.statement(protocol, statements.get(i), parameters, "refused", null, -1, refusal.sqlState(), d);
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

  /** Queues a message that awaits an answer, unless the server is skipping to the next Sync. */
  private void expect(Kind kind, String sql, List<String> params, List<StatementDecision> decisions,
      ApprovalFlow.Held held) {
    if (!discardingUntilSync) {
      pending.add(new Pending(kind, sql, null, params, decisions, held, null));
    }
  }

  // ---------------------------------------------------------------- server side

  /**
   * @return a message to send the client instead of {@code m} (the refusal that replaces the
   *     stand-in's error), or null to relay {@code m} as it is
   */
  ByteBuf onServerMessage(PgMessage m) {
    Pending head = pending.peek();
    switch (m.type()) {
      case ProtocolCodes.PARSE_COMPLETE, ProtocolCodes.BIND_COMPLETE, ProtocolCodes.CLOSE_COMPLETE, ProtocolCodes.NO_DATA ->
          pending.poll();
      case ProtocolCodes.ROW_DESCRIPTION -> {
        if (head != null && head.kind == Kind.DESCRIBE) {
          pending.poll();
        }
      }
      case ProtocolCodes.COMMAND_COMPLETE -> completed(head, cstring(m.body()), "ok");
      case ProtocolCodes.EMPTY_QUERY -> {
        if (head != null && head.kind == Kind.EXECUTE) {
          completed(head, null, "ok");
        }
      }
      case ProtocolCodes.PORTAL_SUSPENDED -> completed(head, null, "suspended");
      case ProtocolCodes.ERROR_RESPONSE -> {
        if (head != null && head.refusal != null) {
          Refusal r = head.refusal;
          failed(head, null);
          return Messages.report(alloc, ProtocolCodes.ERROR_RESPONSE, "ERROR", r.sqlState(), r.message(), r.detail(),
              r.hint());
        }
        failed(head, ServerError.parse(m.body()).sqlState());
      }
      case ProtocolCodes.READY_FOR_QUERY -> readyForQuery();
      default -> {
      }
    }
    return null;
  }

  private void completed(Pending head, String tag, String outcome) {
    if (head == null) {
      return;
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

  private void failed(Pending head, String sqlState) {
    if (head == null || head.kind == Kind.SYNC) {
      return;
    }
    long now = System.nanoTime();
    switch (head.kind) {
      case QUERY -> {
        audit.statement("simple", statement(head), null, "error", null, now - head.startNanos, sqlState,
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
                first ? now - p.startNanos : -1, first ? sqlState : null, p.decision(0));
            if (p.held != null && first) {
              p.held.executed(false);
            }
            attributed = true;
          }
        }
        if (!attributed && failing != null && failing.kind != Kind.REFUSED_PARSE) {
          audit.statement("extended", failing.sql, failing.parameters, "error", null, now - failing.startNanos, sqlState,
              null);
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
