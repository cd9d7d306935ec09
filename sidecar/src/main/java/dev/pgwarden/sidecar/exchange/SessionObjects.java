package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.masking.plan.MaskPlan;
import dev.pgwarden.sidecar.protocol.message.Bind;
import dev.pgwarden.sidecar.protocol.message.Close;
import dev.pgwarden.sidecar.protocol.message.Parse;
import dev.pgwarden.sidecar.protocol.message.RowDescription;
import dev.pgwarden.sidecar.protocol.message.ServerNames;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.Target;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The session's prepared statements and portals (cursors included) as the server has them, and
 * the changes the client's messages will make to them. The gate asks what a name may stand for
 * when it judges a message; the exchange settles each change when the server answers.
 */
public final class SessionObjects {
  private final ServerNamespace<PreparedStatement> statements = new ServerNamespace<>();
  private final ServerNamespace<Portal> portals = new ServerNamespace<>();

  // ---------------------------------------------------------------- what names stand for

  /** What a prepared statement named in a protocol message (Bind, Describe) may be. */
  ServerNamespace.Possible<PreparedStatement> statement(String protocolName) {
    return statements.possible(ServerNames.ofProtocolName(protocolName));
  }

  /**
   * Everything a portal named in a protocol message (Execute) may be when the server reaches a
   * message sent now; empty when it is none pgwarden knows.
   */
  public List<Portal> portal(String protocolName) {
    return List.copyOf(portals.possible(ServerNames.ofProtocolName(protocolName)).values());
  }

  /**
   * What {@code EXECUTE name} in SQL may run: every prepared statement the name may stand for
   * (empty when it stands for none pgwarden knows).
   */
  public List<Classification> preparedBodies(String sqlName) {
    List<Classification> out = new ArrayList<>();
    for (PreparedStatement s : statements.possible(ServerNames.ofSqlIdentifier(sqlName)).values()) {
      out.add(s.classification());
    }
    return out;
  }

  /**
   * How the rows of the cursor or portal that SQL FETCH or MOVE names are masked: the plan of the
   * one thing it may be, the untraceable plan when it may be several, null when it is unknown.
   */
  public MaskPlan cursorPlan(String sqlName, Supplier<MaskPlan> untraceable, java.util.function.Function<Portal.Bound,
      MaskPlan> boundPlan) {
    Set<MaskPlan> plans = new LinkedHashSet<>();
    for (Portal p : portals.possible(ServerNames.ofSqlIdentifier(sqlName)).values()) {
      plans.add(p instanceof Portal.Cursor c ? c.plan() : boundPlan.apply((Portal.Bound) p));
    }
    plans.remove(null);
    return plans.isEmpty() ? null : plans.size() == 1 ? plans.iterator().next() : untraceable.get();
  }

  /** The parameter types declared for a statement, for rendering a Bind's binary values. */
  public int[] parameterTypes(String protocolName) {
    for (PreparedStatement s : statement(protocolName).values()) {
      return s.parameterTypes();
    }
    return new int[0];
  }

  // ---------------------------------------------------------------- changes the client asks for

  /** A Parse: names the statement once the server acknowledges it. */
  NameChange parse(Parse p, Classification c) {
    PreparedStatement s = new PreparedStatement(p.name(), p.sql(), p.parameterTypes(), c, false);
    return NameChange.of(statements, new ServerNamespace.Define<>(ServerNames.ofProtocolName(p.name()), Set.of(s),
        p.name().isEmpty()), null);
  }

  /**
   * A Bind: names the portal once the server acknowledges it, bound to whatever its statement
   * may be now.
   */
  NameChange bind(Bind b) {
    Set<Portal> bound = new LinkedHashSet<>();
    for (PreparedStatement s : statement(b.statement()).values()) {
      RowDescription d = s.description() == null ? null : s.description().withFormats(b.resultFormats());
      bound.add(new Portal.Bound(s, b.values(), d));
    }
    String key = ServerNames.ofProtocolName(b.portal());
    if (bound.isEmpty()) {
      // No statement pgwarden knows: should the server know one anyway, the portal runs nothing
      // pgwarden has judged, so it is known as unknowable.
      PreparedStatement unknown = new PreparedStatement(b.statement(), null, null, Classification.unparseable(
          "it runs prepared statement \"" + b.statement() + "\", which pgwarden has not seen prepared"), false);
      bound.add(new Portal.Bound(unknown, b.values(), null));
    }
    return NameChange.of(portals, new ServerNamespace.Define<>(key, bound, b.portal().isEmpty()), null);
  }

  /** A Close message: the name is free once the server acknowledges it (even if it was unknown). */
  NameChange close(Close c) {
    String key = ServerNames.ofProtocolName(c.name());
    return c.portal() ? NameChange.of(portals, new ServerNamespace.Remove<>(key), null)
        : NameChange.of(statements, new ServerNamespace.Remove<>(key), null);
  }

  /** A simple Query drops the unnamed statement and portal before it runs its statements. */
  List<NameChange> query() {
    return List.of(NameChange.of(statements, new ServerNamespace.Remove<>(""), null),
        NameChange.of(portals, new ServerNamespace.Remove<>(""), null));
  }

  /**
   * Registers what a statement about to run changes among the session's names, so that later
   * statements are judged with the change in view; its outcome settles it.
   *
   * @param plan how a declared cursor's rows are masked (null when the policy masks nothing)
   */
  public PendingChanges expect(Classification c, String sql, MaskPlan plan) {
    List<NameChange> changes = sql(c, sql, plan);
    return changes.isEmpty() ? PendingChanges.NONE : new PendingChanges(changes);
  }

  /** Several candidates' changes as one. */
  public static PendingChanges all(List<PendingChanges> each) {
    List<NameChange> changes = new ArrayList<>();
    each.forEach(p -> changes.addAll(p.changes()));
    return changes.isEmpty() ? PendingChanges.NONE : new PendingChanges(changes);
  }

  /**
   * What a statement run in SQL changes among the session's names when it completes: PREPARE,
   * DEALLOCATE, DISCARD ALL, DECLARE, CLOSE. Nothing for other statements.
   */
  private List<NameChange> sql(Classification c, String sql, MaskPlan plan) {
    Target t = c.target();
    if (t instanceof Target.Deallocate d) {
      return List.of(d.all()
          ? NameChange.of(statements, new ServerNamespace.RemoveAll<>(s -> true), "DEALLOCATE ALL")
          : NameChange.of(statements, new ServerNamespace.Remove<>(ServerNames.ofSqlIdentifier(d.name())), "DEALLOCATE"));
    }
    if (t instanceof Target.Prepare p) {
      PreparedStatement s = new PreparedStatement(p.name(), sql, null, c, true);
      return List.of(NameChange.of(statements,
          new ServerNamespace.Define<>(ServerNames.ofSqlIdentifier(p.name()), Set.of(s), false), "PREPARE"));
    }
    if (t instanceof Target.Discard d && d.all()) {
      // DISCARD ALL drops every prepared statement and cursor (DISCARD PLANS drops none).
      return List.of(NameChange.of(statements, new ServerNamespace.RemoveAll<>(s -> true), "DISCARD ALL"),
          NameChange.of(portals, new ServerNamespace.RemoveAll<>(p -> true), "DISCARD ALL"));
    }
    if (t instanceof Target.Cursor k && c.kind() == StatementKind.DECLARE) {
      Portal cursor = new Portal.Cursor(sql, c, plan, holdable(sql));
      return List.of(NameChange.of(portals,
          new ServerNamespace.Define<>(ServerNames.ofSqlIdentifier(k.name()), Set.of(cursor), false), "DECLARE CURSOR"));
    }
    if (t instanceof Target.CloseCursor k) {
      return List.of(k.all()
          ? NameChange.of(portals, new ServerNamespace.RemoveAll<>(p -> true), "CLOSE CURSOR ALL")
          : NameChange.of(portals, new ServerNamespace.Remove<>(ServerNames.ofSqlIdentifier(k.name())), "CLOSE CURSOR"));
    }
    return List.of();
  }

  /**
   * Whether a DECLARE says WITH HOLD. Reading it wrong is on the safe side either way: a cursor
   * kept past its transaction is only a name pgwarden remembers longer than the server.
   */
  private static boolean holdable(String sql) {
    String s = sql.toLowerCase(Locale.ROOT);
    int hold = s.indexOf(" hold ");
    return hold > 0 && !s.substring(0, hold).endsWith("without");
  }

  // ---------------------------------------------------------------- what the server answered

  /** A Describe of a statement was answered. */
  void statementDescribed(String protocolName, RowDescription d) {
    PreparedStatement s = statements.current(ServerNames.ofProtocolName(protocolName));
    if (s != null) {
      s.described(d);
    }
  }

  /** A Describe of a portal was answered (the client's or pgwarden's own). */
  void portalDescribed(String protocolName, RowDescription d) {
    Portal p = portals.current(ServerNames.ofProtocolName(protocolName));
    if (p != null) {
      p.described(d);
    }
  }

  /** The columns of the rows an Execute of this portal returns now, when known. */
  RowDescription rowsOf(String protocolName) {
    Portal p = portals.current(ServerNames.ofProtocolName(protocolName));
    return p == null ? null : p.description();
  }

  /** The session is outside any transaction: portals other than holdable cursors are gone. */
  void transactionEnded() {
    portals.dropConfirmed(p -> !p.holdable());
  }
}
