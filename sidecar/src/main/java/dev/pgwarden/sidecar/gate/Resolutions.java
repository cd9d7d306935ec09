package dev.pgwarden.sidecar.gate;

import dev.pgwarden.sidecar.exchange.PendingChanges;
import dev.pgwarden.sidecar.gate.Resolution.CatalogFailed;
import dev.pgwarden.sidecar.gate.Resolution.CatalogReady;
import dev.pgwarden.sidecar.gate.Resolution.Classified;
import dev.pgwarden.sidecar.gate.Resolution.Refused;
import dev.pgwarden.sidecar.masking.MaskingEngine;
import dev.pgwarden.sidecar.sql.Classification;
import java.util.List;

/**
 * The one {@link Resolution} the message at the gate's cursor waits for, shared by the Query and
 * the Parse/Execute decisions (the gate inspects one message at a time). It also starts the two
 * waits every statement may need before it is judged: the masking catalog and the classifier's
 * worker pool. A completion resumes the gate on the session's event loop.
 */
final class Resolutions {
    private final GateContext context;
    private final GateOutput out;
    private final StatementGate gate;
    private Resolution resolution;

    Resolutions(GateContext context, GateOutput out, StatementGate gate) {
        this.context = context;
        this.out = out;
        this.gate = gate;
    }

    /** The resolution kept for the message at the cursor, left in place; null when none. */
    Resolution peek() {
        return resolution;
    }

    void resume(Resolution r) {
        if (gate.closed()) {
            return;
        }
        resolution = r;
        gate.resume();
    }

    Resolution take() {
        Resolution r = resolution;
        resolution = null;
        return r;
    }

    /**
     * Masking decides from a catalog snapshot taken after the last DDL: when there is none, the
     * gate waits for it (a failure refuses the statement, see {@link CatalogFailed}).
     */
    boolean catalogCurrent() {
        MaskingEngine masking = context.masking();
        if (!masking.enabled() || resolution != null || masking.catalog().current() != null) {
            if (resolution instanceof CatalogReady) {
                resolution = null;
            }
            return true;
        }
        masking.catalog()
                .refresh()
                .whenComplete((s, failure) ->
                        out.onLoop(() -> resume(failure == null ? new CatalogReady() : new CatalogFailed(failure))));
        return false;
    }

    /** The classifications of all statements from the cache, or null after starting to parse the misses. */
    List<Classification> classifyCached(List<String> statements) {
        List<Classification> classes = Classifications.cached(context.classifier(), statements);
        if (classes != null) {
            return classes;
        }
        Classifications.classify(context.classifier(), statements)
                .whenComplete((all, failure) -> out.onLoop(() -> resume(
                        failure != null
                                ? new Refused(Refusals.busy(statements), PendingChanges.NONE)
                                : new Classified(statements, all))));
        return null;
    }
}
