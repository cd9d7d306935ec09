package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.ServerError;
import dev.pgwarden.sidecar.sql.StatementSplitter;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pairs what the client sent with what the server answered, so every statement is audited with
 * its outcome. Client messages that expect an answer join a FIFO; server messages complete them in
 * order. Both protocols are covered, pipelining included: after an error in the extended protocol
 * the server skips everything up to Sync, and so does the tracker (skipped statements are audited
 * as such).
 */
final class StatementTracker {
  private enum Kind { QUERY, PARSE, BIND, EXECUTE, DESCRIBE, CLOSE, SYNC, FUNCTION_CALL }

  /** One client message awaiting its answer. Mutable only for a simple Query's progress. */
  private static final class Pending {
    final Kind kind;
    final String sql;
    final List<String> statements;
    final List<String> parameters;
    long startNanos;
    int next;
    boolean failed;

    Pending(Kind kind, String sql, List<String> statements, List<String> parameters) {
      this.kind = kind;
      this.sql = sql;
      this.statements = statements;
      this.parameters = parameters;
      this.startNanos = System.nanoTime();
    }
  }

  private record Portal(String sql, List<String> parameters) {
  }

  /** A statement as parsed: its text and the parameter types the client declared. */
  private record Prepared(String sql, int[] typeOids) {
  }

  private static final int[] NO_TYPES = new int[0];

  private final Deque<Pending> pending = new ArrayDeque<>();
  private final Map<String, Prepared> preparedStatements = new HashMap<>();
  private final Map<String, Portal> portals = new HashMap<>();
  private final SessionAudit audit;
  private boolean discardingUntilSync;

  StatementTracker(SessionAudit audit) {
    this.audit = audit;
  }

  void onClientMessage(PgMessage m) {
    switch (m.type()) {
      case ProtocolCodes.QUERY -> {
        String sql = cstring(m.body());
        pending.add(new Pending(Kind.QUERY, sql, StatementSplitter.split(sql), null));
      }
      case ProtocolCodes.PARSE -> {
        ByteBuf b = m.body();
        String name = Messages.readCString(b);
        String sql = Messages.readCString(b);
        int[] types = new int[b.readUnsignedShort()];
        for (int i = 0; i < types.length; i++) {
          types[i] = b.readInt();
        }
        if (!discardingUntilSync) {
          preparedStatements.put(name, new Prepared(sql, types));
        }
        expect(Kind.PARSE, sql, null);
      }
      case ProtocolCodes.BIND -> {
        ByteBuf body = m.body();
        Prepared prepared = preparedStatements.get(statementName(body));
        BindParameters bind = BindParameters.parse(body, prepared == null ? NO_TYPES : prepared.typeOids());
        String sql = prepared == null ? null : prepared.sql();
        if (!discardingUntilSync) {
          portals.put(bind.portal(), new Portal(sql, bind.values()));
        }
        expect(Kind.BIND, sql, bind.values());
      }
      case ProtocolCodes.EXECUTE -> {
        Portal portal = portals.get(cstring(m.body()));
        String sql = portal == null ? null : portal.sql();
        List<String> params = portal == null ? null : portal.parameters();
        if (discardingUntilSync) {
          audit.statement("extended", sql, params, "skipped", null, -1, null);
        } else {
          expect(Kind.EXECUTE, sql, params);
        }
      }
      case ProtocolCodes.DESCRIBE -> expect(Kind.DESCRIBE, null, null);
      case ProtocolCodes.CLOSE -> {
        ByteBuf b = m.body();
        byte what = b.readByte();
        String name = Messages.readCString(b);
        (what == 'S' ? preparedStatements : portals).remove(name);
        expect(Kind.CLOSE, null, null);
      }
      case ProtocolCodes.SYNC -> {
        discardingUntilSync = false;
        pending.add(new Pending(Kind.SYNC, null, null, null));
      }
      case ProtocolCodes.FUNCTION_CALL -> {
        int oid = m.body().getInt(m.body().readerIndex());
        pending.add(new Pending(Kind.FUNCTION_CALL, "-- function call, oid " + oid, null, null));
      }
      default -> {
      }
    }
  }

  /** Queues a message that awaits an answer, unless the server is skipping to the next Sync. */
  private void expect(Kind kind, String sql, List<String> params) {
    if (!discardingUntilSync) {
      pending.add(new Pending(kind, sql, null, params));
    }
  }

  void onServerMessage(PgMessage m) {
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
      case ProtocolCodes.ERROR_RESPONSE -> failed(head, ServerError.parse(m.body()).sqlState());
      case ProtocolCodes.READY_FOR_QUERY -> readyForQuery();
      default -> {
      }
    }
  }

  private void completed(Pending head, String tag, String outcome) {
    if (head == null) {
      return;
    }
    long now = System.nanoTime();
    if (head.kind == Kind.QUERY) {
      String sql = head.next < head.statements.size() ? head.statements.get(head.next) : head.sql;
      audit.statement("simple", sql, null, outcome, tag, now - head.startNanos, null);
      head.next++;
      head.startNanos = now;
    } else if (head.kind == Kind.EXECUTE) {
      pending.poll();
      audit.statement("extended", head.sql, head.parameters, outcome, tag, now - head.startNanos, null);
    }
  }

  private void failed(Pending head, String sqlState) {
    if (head == null || head.kind == Kind.SYNC) {
      return;
    }
    long now = System.nanoTime();
    switch (head.kind) {
      case QUERY -> {
        String sql = head.next < head.statements.size() ? head.statements.get(head.next) : head.sql;
        audit.statement("simple", sql, null, "error", null, now - head.startNanos, sqlState);
        head.next++;
        head.failed = true;
      }
      case FUNCTION_CALL -> head.failed = true;
      default -> {
        // The server now ignores everything up to Sync: the failing statement is the first
        // Execute at or after the failed message; later Executes never run.
        Pending failing = null;
        boolean attributed = false;
        while (!pending.isEmpty() && pending.peek().kind != Kind.SYNC) {
          Pending p = pending.poll();
          failing = failing == null ? p : failing;
          if (p.kind == Kind.EXECUTE) {
            audit.statement("extended", p.sql, p.parameters, attributed ? "skipped" : "error", null,
                attributed ? -1 : now - p.startNanos, attributed ? null : sqlState);
            attributed = true;
          }
        }
        if (!attributed && failing != null) {
          audit.statement("extended", failing.sql, failing.parameters, "error", null, now - failing.startNanos, sqlState);
        }
        discardingUntilSync = pending.isEmpty();
      }
    }
  }

  private void readyForQuery() {
    while (!pending.isEmpty()) {
      Pending p = pending.poll();
      switch (p.kind) {
        case SYNC -> {
          return;
        }
        case QUERY -> {
          for (int i = p.next; i < p.statements.size(); i++) {
            audit.statement("simple", p.statements.get(i), null, "skipped", null, -1, null);
          }
          return;
        }
        case FUNCTION_CALL -> {
          audit.statement("function", p.sql, null, p.failed ? "error" : "ok", null, System.nanoTime() - p.startNanos, null);
          return;
        }
        case EXECUTE -> audit.statement("extended", p.sql, p.parameters, "skipped", null, -1, null);
        default -> {
        }
      }
    }
  }

  /** The client left: statements still waiting for an answer may or may not have run. */
  void interrupted() {
    for (Pending p : pending) {
      if (p.kind == Kind.EXECUTE) {
        audit.statement("extended", p.sql, p.parameters, "interrupted", null, System.nanoTime() - p.startNanos, null);
      } else if (p.kind == Kind.QUERY) {
        for (int i = p.next; i < p.statements.size(); i++) {
          audit.statement("simple", p.statements.get(i), null, "interrupted", null, -1, null);
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

  private static String cstring(ByteBuf body) {
    int end = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
    int stop = end < 0 ? body.writerIndex() : end;
    return body.toString(body.readerIndex(), stop - body.readerIndex(), StandardCharsets.UTF_8);
  }
}
