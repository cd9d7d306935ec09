package dev.pgwarden.sidecar.gate;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.exchange.PendingChanges;
import dev.pgwarden.sidecar.exchange.Portal;
import dev.pgwarden.sidecar.exchange.PreparedStatement;
import dev.pgwarden.sidecar.exchange.ResultMasking;
import dev.pgwarden.sidecar.exchange.SessionObjects;
import dev.pgwarden.sidecar.exchange.StatementDecision;
import dev.pgwarden.sidecar.masking.MaskingEngine;
import dev.pgwarden.sidecar.masking.plan.CatalogSnapshot;
import dev.pgwarden.sidecar.masking.plan.MaskPlan;
import dev.pgwarden.sidecar.policy.BuiltInRule;
import dev.pgwarden.sidecar.policy.Verdict;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.Target;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Judges one statement: the policy's verdict, masking's plan, and the changes it makes to the
 * session's prepared statements and cursors. Names are resolved as the server resolves them
 * ({@link SessionObjects}): where a name may stand for several things, the statement is judged by
 * all of them and the strictest verdict wins.
 */
final class StatementJudge {
    /** Statements that may change what the catalog snapshot says. */
    private static final Set<StatementKind> DDL_KINDS = EnumSet.of(
            StatementKind.CREATE,
            StatementKind.ALTER,
            StatementKind.DROP,
            StatementKind.OTHER,
            StatementKind.UNPARSEABLE);
    /** Plans of cursors over cursors over ... are not followed further than this. */
    private static final int MAX_CURSOR_DEPTH = 4;

    /** One statement judged; {@code reason} is the agent's, for statements about to run ({@link AgentReasons}). */
    record Judged(
            Classification classification,
            String sql,
            List<String> parameters,
            Verdict verdict,
            MaskPlan plan,
            PendingChanges changes,
            String reason) {
        Judged(
                Classification classification,
                String sql,
                List<String> parameters,
                Verdict verdict,
                MaskPlan plan,
                PendingChanges changes) {
            this(classification, sql, parameters, verdict, plan, changes, null);
        }

        StatementDecision decision() {
            return StatementDecision.of(classification, verdict, plan).withReason(reason);
        }

        Judged withReason(String why) {
            return new Judged(classification, sql, parameters, verdict, plan, changes, why);
        }
    }

    private final GateContext context;
    private final SessionObjects objects;
    private final ResultMasking masking;
    private final AgentReasons reasons = new AgentReasons();
    private final LimitGuards limits;
    private final CountStatement count = new CountStatement();
    /** How deep a FETCH of a portal bound from a FETCH is followed (see {@link #withPortalsFetched}). */
    private static final int MAX_FETCH_DEPTH = 4;

    private int fetchDepth;

    StatementJudge(GateContext context, SessionObjects objects, ResultMasking masking, LimitGuards limits) {
        this.context = context;
        this.objects = objects;
        this.masking = masking;
        this.limits = limits;
    }

    /** A statement of a simple Query about to run: its changes are registered now. */
    Judged statement(Classification c, String sql) {
        MaskPlan plan = maskPlan(c, sql, 0);
        Verdict v = withMasking(decide(c, sql, List.of(), objects::preparedBodies, null), plan);
        return new Judged(c, sql, List.of(), v, plan, objects.expect(c, sql, plan)).withReason(reasons.next(c, sql));
    }

    /** pgwarden's own count, which the statements judged here may free. */
    CountStatement count() {
        return count;
    }

    /**
     * A Parse of statement {@code name}: one named as pgwarden names its own is refused (see
     * {@link ReservedNames}), else as {@link #parse(Classification, String)}.
     */
    Judged parse(String name, Classification c, String sql) {
        Judged j = parse(c, sql);
        Verdict v = ReservedNames.guardProtocolName(j.verdict(), name);
        return v == j.verdict() ? j : new Judged(c, sql, List.of(), v, j.plan(), PendingChanges.NONE);
    }

    /** A Parse: nothing runs yet, so only a denial matters here; Execute decides the rest. */
    Judged parse(Classification c, String sql) {
        // A cursor's plan is made when DECLARE runs; its Parse is judged by the policy alone.
        MaskPlan plan = c.kind() == StatementKind.DECLARE ? null : maskPlan(c, sql, 0);
        Verdict v = withMasking(decide(c, sql, null, objects::preparedBodies, null), plan);
        return new Judged(c, sql, List.of(), v, plan, PendingChanges.NONE);
    }

    /**
     * An Execute: judged by everything the portal may be when the server runs it. A portal bound
     * from a statement SQL PREPARE made runs it as {@code EXECUTE} would, so it is judged so.
     */
    Judged execute(String portal) {
        Judged j = judgeExecute(portal);
        return j.withReason(reasons.next(j.classification(), j.sql()));
    }

    private Judged judgeExecute(String portal) {
        List<Judged> each = new ArrayList<>();
        for (Portal p : objects.portal(portal)) {
            each.add(candidate(p));
        }
        if (each.isEmpty()) {
            Classification c = Classification.unparseable("Execute of a portal pgwarden did not see bound");
            MaskPlan plan = maskPlan(c, null, 0);
            Verdict v = withMasking(context.policy().decide(c), plan);
            return new Judged(c, null, List.of(), v, plan, PendingChanges.NONE);
        }
        if (each.size() == 1) {
            return each.get(0);
        }
        Judged strictest = each.get(0);
        Set<MaskPlan> plans = new LinkedHashSet<>();
        List<PendingChanges> changes = new ArrayList<>();
        for (Judged j : each) {
            int stricter = Integer.compare(
                    j.verdict().action().ordinal(), strictest.verdict().action().ordinal());
            // Equally strict, the one a changesMoreThan rule may still refuse: SELECT 1 and a
            // DELETE both allowed within the limit are judged as the DELETE (its trial decides).
            if (stricter > 0 || stricter == 0 && trial(strictest) == null && trial(j) != null) {
                strictest = j;
            }
            plans.add(j.plan());
            changes.add(j.changes());
        }
        MaskPlan plan = plans.size() == 1 ? plans.iterator().next() : untraceable();
        return new Judged(
                strictest.classification(),
                strictest.sql(),
                strictest.parameters(),
                strictest.verdict(),
                plan,
                SessionObjects.all(changes));
    }

    private Judged candidate(Portal p) {
        if (p instanceof Portal.Cursor cursor) {
            Classification c = cursor.classification();
            Verdict v = withMasking(context.policy().decide(c, objects::preparedBodies), cursor.plan());
            return new Judged(c, cursor.sql(), List.of(), v, cursor.plan(), PendingChanges.NONE);
        }
        Portal.Bound bound = (Portal.Bound) p;
        PreparedStatement s = bound.statement();
        Classification c = s.classification() == null
                ? Classification.unparseable("Execute of a portal pgwarden did not see bound")
                : s.classification();
        Function<String, List<Classification>> bodies = objects::preparedBodies;
        if (s.viaSql()) {
            // The body as it was when bound: the portal keeps it even if the name is deallocated since.
            List<Classification> body = List.of(c);
            c = executing(s.name());
            bodies = name -> body;
        }
        MaskPlan plan = maskPlan(c, s.sql(), bodies, 0);
        Verdict v = withMasking(decide(c, s.sql(), bound.parameters(), bodies, null), plan);
        PendingChanges changes = s.viaSql() ? PendingChanges.NONE : objects.expect(c, s.sql(), plan);
        return new Judged(c, s.sql(), bound.parameters(), v, plan, changes);
    }

    /** The policy's verdict with the session's limits ({@link LimitGuards}) added. */
    private Verdict decide(
            Classification c,
            String sql,
            List<String> parameters,
            Function<String, List<Classification>> bodies,
            Long rowsChanged) {
        count.judged(c);
        Verdict v = ReservedNames.guard(
                limits.apply(context.policy().decide(c, bodies, rowsChanged), c, sql, parameters, bodies), c, sql);
        return withPortalsFetched(v, c);
    }

    /**
     * SQL FETCH or MOVE of a portal the client bound over the protocol runs that portal's statement
     * (a {@code DELETE ... RETURNING} bound and never executed deletes at the first FETCH): the
     * verdict is the strictest of the FETCH's own and the one that portal's Execute would get, and
     * a statement a trial would have to count counts as over every limit, since a FETCH cannot run
     * as one. A chain of portals bound from FETCHes is followed {@link #MAX_FETCH_DEPTH} deep, and
     * refused beyond.
     */
    private Verdict withPortalsFetched(Verdict v, Classification c) {
        if (c.kind() != StatementKind.FETCH || !(c.target() instanceof Target.Cursor k)) {
            return v;
        }
        if (fetchDepth >= MAX_FETCH_DEPTH) {
            // Beyond that pgwarden cannot say what runs: onUnparseable decides, as for text it cannot read.
            return context.policy()
                    .decide(Classification.unparseable("it fetches from a portal bound from a FETCH more than "
                            + MAX_FETCH_DEPTH + " deep, which pgwarden does not follow"));
        }
        fetchDepth++;
        try {
            Verdict strictest = v;
            for (Portal p : objects.sqlPortal(k.name())) {
                if (p instanceof Portal.Bound) {
                    Judged j = candidate(p);
                    strictest = strictest.strictest(
                            trial(j) == null ? j.verdict() : untrialable(j).verdict());
                }
            }
            return strictest;
        } finally {
            fetchDepth--;
        }
    }

    /** The trial the statement needs before its verdict holds, or null. */
    dev.pgwarden.sidecar.policy.StatementPolicy.Trial trial(Judged j) {
        return context.policy().trial(j.classification(), objects::preparedBodies, j.verdict());
    }

    /** The statement judged again with the rows a trial run changed. */
    Judged withRowsChanged(Judged j, long rows) {
        Verdict v = withMasking(
                decide(j.classification(), j.sql(), j.parameters(), objects::preparedBodies, rows), j.plan());
        return new Judged(j.classification(), j.sql(), j.parameters(), v, j.plan(), j.changes(), j.reason());
    }

    /** The statement judged as if a trial had passed every limit (it cannot run as one). */
    Judged untrialable(Judged j) {
        return withRowsChanged(j, dev.pgwarden.sidecar.policy.StatementPolicy.UNCOUNTED);
    }

    /** What running prepared statement {@code name} is, as SQL EXECUTE says it. */
    private static Classification executing(String name) {
        return new Classification(
                StatementKind.EXECUTE,
                Set.of(StatementKind.EXECUTE),
                Set.of(),
                Set.of(),
                false,
                Set.of(),
                new Target.Execute(name),
                Set.of(Classification.Hazard.RUNS_PREPARED),
                null,
                null,
                Set.of(),
                Set.of(name));
    }

    // ---------------------------------------------------------------- masking

    /** How masking treats the statement, or null when the policy masks nothing. */
    MaskPlan maskPlan(Classification c, String sql, int depth) {
        return maskPlan(c, sql, objects::preparedBodies, depth);
    }

    private MaskPlan maskPlan(Classification c, String sql, Function<String, List<Classification>> bodies, int depth) {
        MaskingEngine engine = context.masking();
        if (!engine.enabled()) {
            return null;
        }
        if (depth > MAX_CURSOR_DEPTH) {
            return engine.planner().untraceable();
        }
        CatalogSnapshot snapshot = engine.catalog().latest();
        List<Classification> prepared = c.target() instanceof Target.Execute e ? bodies.apply(e.name()) : List.of();
        MaskPlan plan = engine.planner().plan(c, sql, snapshot, prepared, cursorPlans(c, depth));
        if (masking.catalogDirty() && plan.refusal() == null) {
            // DDL earlier in this transaction: the snapshot may no longer describe what the statement reads.
            plan = engine.planner().untraceable();
        }
        if (plan.refusal() == null && DDL_KINDS.contains(c.kind())) {
            masking.ddlForwarded();
        }
        return plan;
    }

    /** For FETCH or MOVE: the plan of what the cursor it names may be. */
    private Map<String, MaskPlan> cursorPlans(Classification c, int depth) {
        if (c.kind() != StatementKind.FETCH || !(c.target() instanceof Target.Cursor cursor)) {
            return Map.of();
        }
        String name = cursor.name();
        MaskPlan plan = objects.cursorPlan(name, this::untraceable, b -> {
            PreparedStatement s = b.statement();
            return s.classification() == null ? untraceable() : maskPlan(s.classification(), s.sql(), depth + 1);
        });
        return plan == null ? Map.of() : Map.of(name, plan);
    }

    private MaskPlan untraceable() {
        MaskingEngine engine = context.masking();
        return engine.enabled() ? engine.planner().untraceable() : null;
    }

    /** The policy's verdict, made a denial when masking refuses the statement. */
    static Verdict withMasking(Verdict v, MaskPlan plan) {
        if (plan == null || plan.refusal() == null) {
            return v;
        }
        return v.strictest(Verdict.of(List.of(new Verdict.Match(Action.Deny, BuiltInRule.MASKING, plan.refusal()))));
    }
}
