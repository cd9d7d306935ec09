package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Set;

/** What the classifier learns about one statement while it reads it; becomes a {@link Classification}. */
final class Facts {
    final StatementKind kind;
    final EnumSet<StatementKind> effects;
    final Set<String> reads = new LinkedHashSet<>();
    final Set<String> writes = new LinkedHashSet<>();
    final Set<String> functions = new LinkedHashSet<>();
    /** Code it runs or plants out of pgwarden's sight (see {@link OpaqueCode}). */
    final Set<String> code = new LinkedHashSet<>();

    final EnumSet<Classification.Hazard> hazards = EnumSet.noneOf(Classification.Hazard.class);
    boolean unbounded;
    Target target;
    Lineage lineage;

    Facts(StatementKind kind) {
        this.kind = kind;
        this.effects = EnumSet.of(kind);
    }

    /** Takes in what an embedded statement does when it runs as part of this one. */
    void absorb(Classification inner) {
        effects.addAll(inner.effects());
        reads.addAll(inner.reads());
        writes.addAll(inner.writes());
        functions.addAll(inner.functions());
        hazards.addAll(inner.hazards());
        code.addAll(inner.code());
        unbounded |= inner.unbounded();
        if (lineage == null) {
            lineage = inner.lineage();
        }
        if (inner.hasHazard(Classification.Hazard.RUNS_PREPARED)) {
            target = inner.target();
        }
    }

    Classification build() {
        return new Classification(
                kind,
                Collections.unmodifiableSet(EnumSet.copyOf(effects)),
                Set.copyOf(reads),
                Set.copyOf(writes),
                unbounded,
                Set.copyOf(functions),
                target,
                hazards.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(hazards)),
                null,
                lineage,
                Set.copyOf(code),
                null);
    }
}
