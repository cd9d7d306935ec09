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
    /** Where the current transaction began, counted in portals made: its WITH HOLD cursors die with it. */
    private long transactionMark;
    /** The savepoints of the current transaction block, innermost last: rolling back to one drops the portals made since. */
    private final java.util.ArrayDeque<Savepoint> savepoints = new java.util.ArrayDeque<>();
    /** An error happened in the current transaction: if it ends there, it is rolled back. */
    private boolean failedInTransaction;
    /**
     * A statement that may have made or dropped names ran without pgwarden knowing which (it could
     * not be read, and a reviewer let it run): from then on, every name may stand for something
     * unknown, and what runs a name is judged as unparseable.
     */
    private boolean unknownNames;

    private record Savepoint(String name, long mark) {}

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
        List<Portal> out = new ArrayList<>(
                portals.possible(ServerNames.ofProtocolName(protocolName)).values());
        if (unknownNames) {
            out.add(new Portal.Bound(unknown(protocolName), List.of(), null));
        }
        return out;
    }

    /**
     * Everything the cursor or portal SQL FETCH or MOVE names may be (a portal bound over the
     * protocol among them); empty when it is none pgwarden knows.
     */
    public List<Portal> sqlPortal(String sqlName) {
        List<Portal> out = new ArrayList<>(
                portals.possible(ServerNames.ofSqlIdentifier(sqlName)).values());
        if (unknownNames) {
            out.add(new Portal.Bound(unknown(sqlName), List.of(), null));
        }
        return out;
    }

    private static PreparedStatement unknown(String name) {
        return new PreparedStatement(
                name,
                null,
                null,
                Classification.unparseable("a statement pgwarden could not read" + " may have made or changed \"" + name
                        + "\" earlier in this session"),
                false);
    }

    /**
     * What {@code EXECUTE name} in SQL may run: every prepared statement the name may stand for
     * (empty when it stands for none pgwarden knows).
     */
    public List<Classification> preparedBodies(String sqlName) {
        List<Classification> out = new ArrayList<>();
        for (PreparedStatement s :
                statements.possible(ServerNames.ofSqlIdentifier(sqlName)).values()) {
            out.add(s.classification());
        }
        if (unknownNames) {
            out.add(unknown(sqlName).classification());
        }
        return out;
    }

    /**
     * How the rows of the cursor or portal that SQL FETCH or MOVE names are masked: the plan of the
     * one thing it may be, the untraceable plan when it may be several, null when it is unknown.
     */
    public MaskPlan cursorPlan(
            String sqlName,
            Supplier<MaskPlan> untraceable,
            java.util.function.Function<Portal.Bound, MaskPlan> boundPlan) {
        Set<MaskPlan> plans = new LinkedHashSet<>();
        for (Portal p : portals.possible(ServerNames.ofSqlIdentifier(sqlName)).values()) {
            plans.add(p instanceof Portal.Cursor c ? c.plan() : boundPlan.apply((Portal.Bound) p));
        }
        plans.remove(null);
        return plans.isEmpty() ? null : plans.size() == 1 ? plans.iterator().next() : untraceable.get();
    }

    /** What a prepared statement named in a Bind may run: the classification of each thing it may be. */
    public List<Classification> statementClassifications(String protocolName) {
        List<Classification> out = new ArrayList<>();
        for (PreparedStatement s : statement(protocolName).values()) {
            if (s.classification() != null) {
                out.add(s.classification());
            }
        }
        return out;
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
        return NameChange.of(
                statements,
                new ServerNamespace.Define<>(
                        ServerNames.ofProtocolName(p.name()),
                        Set.of(s),
                        p.name().isEmpty()),
                null);
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
            PreparedStatement unknown = new PreparedStatement(
                    b.statement(),
                    null,
                    null,
                    Classification.unparseable("it runs prepared statement \"" + b.statement()
                            + "\", which pgwarden has not seen prepared"),
                    false);
            bound.add(new Portal.Bound(unknown, b.values(), null));
        }
        return NameChange.of(
                portals, new ServerNamespace.Define<>(key, bound, b.portal().isEmpty()), null);
    }

    /** A Close message: the name is free once the server acknowledges it (even if it was unknown). */
    NameChange close(Close c) {
        String key = ServerNames.ofProtocolName(c.name());
        return c.portal()
                ? NameChange.of(portals, new ServerNamespace.Remove<>(key), null)
                : NameChange.of(statements, new ServerNamespace.Remove<>(key), null);
    }

    /**
     * A simple Query drops the unnamed statement before it parses; each statement it runs replaces
     * the unnamed portal (a Query of no statement leaves the portal as it was).
     */
    List<NameChange> query(boolean runsStatements) {
        NameChange statement = NameChange.of(statements, new ServerNamespace.Remove<>(""), null);
        return runsStatements
                ? List.of(statement, NameChange.of(portals, new ServerNamespace.Remove<>(""), null))
                : List.of(statement);
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
            return List.of(
                    d.all()
                            ? NameChange.of(statements, new ServerNamespace.RemoveAll<>(s -> true), "DEALLOCATE ALL")
                            : NameChange.of(
                                    statements,
                                    new ServerNamespace.Remove<>(ServerNames.ofSqlIdentifier(d.name())),
                                    "DEALLOCATE"));
        }
        if (t instanceof Target.Prepare p) {
            PreparedStatement s = new PreparedStatement(p.name(), sql, null, c, true);
            return List.of(NameChange.of(
                    statements,
                    new ServerNamespace.Define<>(ServerNames.ofSqlIdentifier(p.name()), Set.of(s), false),
                    "PREPARE"));
        }
        if (t instanceof Target.Discard d && d.all()) {
            // DISCARD ALL drops every prepared statement and cursor (DISCARD PLANS drops none).
            return List.of(
                    NameChange.of(statements, new ServerNamespace.RemoveAll<>(s -> true), "DISCARD ALL"),
                    NameChange.of(portals, new ServerNamespace.RemoveAll<>(p -> true), "DISCARD ALL"));
        }
        if (t instanceof Target.Cursor k && c.kind() == StatementKind.DECLARE) {
            Portal cursor = new Portal.Cursor(sql, c, plan, TransactionText.holdable(sql));
            return List.of(NameChange.of(
                    portals,
                    new ServerNamespace.Define<>(ServerNames.ofSqlIdentifier(k.name()), Set.of(cursor), false),
                    "DECLARE CURSOR"));
        }
        if (t instanceof Target.CloseCursor k) {
            return List.of(
                    k.all()
                            ? NameChange.of(portals, new ServerNamespace.RemoveAll<>(p -> true), "CLOSE CURSOR ALL")
                            : NameChange.of(
                                    portals,
                                    new ServerNamespace.Remove<>(ServerNames.ofSqlIdentifier(k.name())),
                                    "CLOSE CURSOR"));
        }
        return List.of();
    }

    // ---------------------------------------------------------------- what the server answered

    /**
     * The unnamed statement as a Parse made it, when pgwarden knows it for certain; null otherwise
     * (none, several possible, or one made by SQL PREPARE, which cannot make the unnamed one).
     */
    public PreparedStatement unnamedStatement() {
        if (unknownNames) {
            return null;
        }
        PreparedStatement s = statements.current("");
        return s == null || s.viaSql() ? null : s;
    }

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

    // ---------------------------------------------------------------- transactions

    /**
     * A statement the client sent completed with {@code tag}: transaction control drops the portals
     * the server drops (a COMMIT or ROLLBACK that leaves the session in a transaction, AND CHAIN or
     * a COMMIT and BEGIN in one Query, reports no idle ReadyForQuery).
     */
    void completed(Classification c, String sql, String tag) {
        if (tag == null) {
            return;
        }
        if (c != null && c.kind() == StatementKind.UNPARSEABLE && TransactionText.mayChangeNames(sql)) {
            unknownNames = true;
        }
        String word = tag.indexOf(' ') < 0 ? tag : tag.substring(0, tag.indexOf(' '));
        switch (word) {
            case "BEGIN", "START" -> {
                transactionMark = portals.mark();
                savepoints.clear();
            }
            case "SAVEPOINT" -> savepoints.add(new Savepoint(TransactionText.savepointName(sql), portals.mark()));
            case "RELEASE" -> popTo(TransactionText.savepointName(sql), true);
            case "COMMIT" -> ended(false);
            case "ROLLBACK" -> {
                String to = TransactionText.rollbackTo(sql);
                if (to == null) {
                    ended(true);
                } else {
                    Savepoint s = popTo(to, false);
                    // Portals made since the savepoint are gone, WITH HOLD cursors among them.
                    portals.dropConfirmedSince(s == null ? transactionMark : s.mark(), p -> true);
                }
            }
            case "PREPARE" -> {
                if (tag.startsWith("PREPARE TRANSACTION")) {
                    ended(false);
                }
            }
            default -> {}
        }
    }

    /** An error: if the transaction ends without a savepoint taking it back, it is rolled back. */
    void failed() {
        failedInTransaction = true;
    }

    /** The session is outside any transaction: portals other than holdable cursors are gone. */
    void transactionEnded() {
        ended(failedInTransaction);
    }

    private void ended(boolean rolledBack) {
        portals.dropConfirmed(p -> !p.holdable());
        if (rolledBack) {
            // WITH HOLD cursors outlive a committed transaction only.
            portals.dropConfirmedSince(transactionMark, p -> true);
        }
        transactionMark = portals.mark();
        savepoints.clear();
        failedInTransaction = false;
    }

    /** Pops savepoints down to {@code name}; {@code inclusive} pops it too (RELEASE). */
    private Savepoint popTo(String name, boolean inclusive) {
        java.util.Iterator<Savepoint> it = savepoints.descendingIterator();
        while (it.hasNext()) {
            Savepoint s = it.next();
            if (s.name().equals(name)) {
                if (inclusive) {
                    it.remove();
                }
                return s;
            }
            it.remove();
        }
        return null;
    }
}
