package dev.pgwarden.sidecar.gate;

import dev.pgwarden.api.policy.SessionLimits;
import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.policy.TimeoutSettings;
import dev.pgwarden.sidecar.policy.Verdict;
import dev.pgwarden.sidecar.sql.Classification;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The policy's limits as they bear on one statement, added to its verdict: a statement that would
 * raise or turn off a limited timeout is denied ({@link TimeoutSettings}), and once the session has
 * changed {@code limits.maxRowsChangedPerSession} rows every statement that may change rows needs
 * a reviewer. They depend on the session (what it changed so far), so they are not part of
 * {@link dev.pgwarden.sidecar.policy.StatementPolicy}, which judges statements alone.
 */
final class LimitGuards {
    static final String ROWS_CHANGED = "limits.maxRowsChangedPerSession";

    private final GateContext context;
    /** Rows the session's statements changed so far, by their command tags. */
    private final LongSupplier rowsChanged;

    LimitGuards(GateContext context, LongSupplier rowsChanged) {
        this.context = context;
        this.rowsChanged = rowsChanged;
    }

    /**
     * @param parameters the bound parameters, or null before Bind (a timeout given as one is judged at Execute)
     */
    Verdict apply(
            Verdict v,
            Classification c,
            String sql,
            List<String> parameters,
            Function<String, List<Classification>> preparedBodies) {
        SessionLimits limits = context.live().version().limits();
        Verdict guarded = TimeoutSettings.guard(v, sql, parameters, limits);
        long changed = rowsChanged.getAsLong();
        if (limits.maxRowsChangedPerSession() <= 0
                || changed < limits.maxRowsChangedPerSession()
                || c.kind() == StatementKind.PREPARE // EXECUTE asks, as for any rule
                || !context.policy().changesRows(c, preparedBodies)) {
            return guarded;
        }
        List<Verdict.Match> all = new ArrayList<>(guarded.matched());
        all.add(new Verdict.Match(
                Action.RequireApproval,
                ROWS_CHANGED,
                "this session has changed " + changed + " rows, and the policy's " + ROWS_CHANGED + " is "
                        + limits.maxRowsChangedPerSession() + ": every further write needs a reviewer"));
        return Verdict.of(all);
    }
}
