package dev.pgwarden.sidecar.masking.plan;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.Lineage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * How the results of one statement whose lineage pgwarden read are masked, against one catalog
 * snapshot. Names are tainted from the masked columns of the relations the statement names, then
 * through every name the statement defines from a tainted one, until nothing changes; what cannot
 * be followed (whole rows, functional notation, writes of tainted values, computing on strict
 * columns) is refused.
 */
final class LineageEvaluation {
    private final MaskRules rules;
    private final Lineage l;
    private final Classification c;
    private final CatalogSnapshot catalog;
    private final Set<String> names = new HashSet<>();
    private final Set<String> rows = new HashSet<>();
    private final Set<String> strictNames = new HashSet<>();
    private final Set<String> strictRows = new HashSet<>();
    private final Set<String> touched = new TreeSet<>();
    private final List<String> unknownRelations = new ArrayList<>();
    private MaskStrategy strategy = MaskStrategy.PARTIAL;
    private MaskStrategy allStrategy = MaskStrategy.PARTIAL;
    private boolean anyNamed;
    private boolean anyTainted;

    LineageEvaluation(MaskRules rules, Lineage l, Classification c, CatalogSnapshot catalog) {
        this.rules = rules;
        this.l = l;
        this.c = c;
        this.catalog = catalog;
    }

    MaskPlan plan() {
        for (Lineage.Relation r : l.relations()) {
            String qualified = r.schema() == null ? r.name() : r.schema() + "." + r.name();
            Map<String, MaskedColumn> masked = catalog.tainted().get(qualified);
            if (masked != null) {
                taintRelation(r, masked);
            } else if (!catalog.relationNames().contains(qualified)
                    && !(r.schema() == null && l.localNames().contains(r.name()))) {
                unknownRelations.add(qualified);
            }
        }
        Set<String> userCalls = new HashSet<>(c.functions());
        userCalls.retainAll(catalog.userFunctions());
        for (String f : c.functions()) {
            String why = catalog.returnsMasked().get(f);
            if (why != null) {
                // Masking whatever it returns would answer with values that are silently wrong.
                return MaskPlan.refuse(MaskPlanner.returnsMaskedRefusal(why), List.copyOf(touched));
            }
        }
        // A user function that reads no masked column, given no masked value, behaves as in PostgreSQL.
        if (!anyTainted && unknownRelations.isEmpty()) {
            return MaskPlan.NONE;
        }
        propagate(names, rows);
        propagate(strictNames, strictRows);
        List<String> touchedList = List.copyOf(touched);

        for (String w : l.wholeRows()) {
            if (rows.contains(w)) {
                return MaskPlan.refuse(
                        "\"" + w + "\" is a whole row of a relation with masked columns, whose values"
                                + " pgwarden cannot follow. Name the columns you need instead (for example " + w
                                + ".id), or build"
                                + " the row from them: row_to_json(c) becomes json_build_object('id', c.id, ...)",
                        touchedList);
            }
        }
        for (String f : c.functions()) {
            if (MaskPlanner.storesValues(f)) {
                return MaskPlan.refuse(
                        f + "() in a statement that reads masked columns would store a value where it"
                                + " can be read back unmasked. Run it in a statement of its own",
                        touchedList);
            }
        }
        for (String ref : l.qualifiedRefs()) {
            int dot = ref.indexOf('.');
            String qualifier = ref.substring(0, dot);
            String column = ref.substring(dot + 1);
            if (rows.contains(qualifier) && !isColumn(qualifier, column)) {
                return MaskPlan.refuse(
                        "\"" + ref + "\" is not a column: PostgreSQL reads it as " + column + "(" + qualifier
                                + "), a function of the whole row, whose values pgwarden cannot follow. Name the columns you need",
                        touchedList);
            }
        }
        if (intersects(l.copied(), names) || intersects(l.copiedRows(), rows) || intersects(l.copiedRows(), names)) {
            return MaskPlan.refuse(
                    "it would write masked column values into a table, where they would no longer be"
                            + " masked. Copy only columns that are not masked",
                    touchedList);
        }
        if ((!l.copied().isEmpty() || !l.copiedRows().isEmpty()) && !unknownRelations.isEmpty()) {
            return MaskPlan.refuse(
                    "it writes values read from " + String.join(", ", unknownRelations) + ", which"
                            + " pgwarden does not know yet (created in this transaction?), so it cannot tell whether they are"
                            + " masked. Commit the new relation first",
                    touchedList);
        }
        boolean strictTouched = intersects(l.identifiers(), strictNames) || intersects(l.outputRows(), strictRows);
        if (strictTouched && l.comparesValues()
                || !strictNames.isEmpty()
                        && (intersects(l.predicates(), strictNames) || intersects(l.computed(), strictNames))) {
            return MaskPlan.refuse(
                    "the policy does not allow filtering, joining, sorting, grouping or computing on "
                            + String.join(", ", strictColumns())
                            + ". Select the column as it is, or filter on another column",
                    touchedList);
        }
        // The user functions called read no masked column (else refused above): what they return
        // derives from their arguments, as any function's does. Their notices and errors are still
        // their own text, so the plan says the statement runs code (opaqueCode).
        boolean unknown = l.opaque() || !unknownRelations.isEmpty();
        // The strictest strategy among the masked columns the statement names; all of them when it names none.
        MaskStrategy derivedStrategy = MaskPlanner.derivedForm(anyNamed ? strategy : allStrategy);
        if (unknown) {
            return new MaskPlan(null, null, derivedStrategy, derivedStrategy, touchedList, true, !userCalls.isEmpty());
        }
        if (l.outputs() == null) {
            boolean tainted = intersects(l.outputSources(), names)
                    || intersects(l.outputRows(), rows)
                    || intersects(l.outputRows(), names);
            return new MaskPlan(
                    null,
                    null,
                    tainted ? derivedStrategy : null,
                    tainted ? derivedStrategy : null,
                    touchedList,
                    true,
                    !userCalls.isEmpty());
        }
        List<MaskStrategy> derived = new ArrayList<>(l.outputs().size());
        boolean anyDerived = false;
        for (Set<String> sources : l.outputs()) {
            boolean tainted = intersects(sources, names);
            anyDerived |= tainted;
            derived.add(tainted ? derivedStrategy : null);
        }
        return new MaskPlan(
                null, derived, null, anyDerived ? derivedStrategy : null, touchedList, true, !userCalls.isEmpty());
    }

    private void taintRelation(Lineage.Relation r, Map<String, MaskedColumn> masked) {
        anyTainted = true;
        rows.add(r.alias());
        rows.add(r.name());
        boolean expanded = l.outputRows().contains(r.alias()) || l.copiedRows().contains(r.alias());
        for (Map.Entry<String, MaskedColumn> e : masked.entrySet()) {
            names.add(e.getKey());
            MaskedColumn m = e.getValue();
            allStrategy = MaskRules.stricter(allStrategy, m.strategy());
            if (m.denyPredicates()) {
                strictNames.add(e.getKey());
                strictRows.add(r.alias());
            }
            if (expanded || l.identifiers().contains(e.getKey())) {
                touched.add(m.qualifiedName());
                strategy = MaskRules.stricter(strategy, m.strategy());
                anyNamed = true;
            }
        }
    }

    /** Taints every name defined from a tainted one, until nothing changes. */
    private void propagate(Set<String> tNames, Set<String> tRows) {
        if (tNames.isEmpty() && tRows.isEmpty()) {
            return;
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Lineage.Derivation d : l.derivations()) {
                boolean hit = intersects(d.sources(), tNames) || d.fromRows() && intersects(d.sources(), tRows);
                if (hit && !tNames.containsAll(d.outputs())) {
                    tNames.addAll(d.outputs());
                    changed = true;
                }
                if (hit && d.rows() && !tRows.containsAll(d.outputs())) {
                    tRows.addAll(d.outputs());
                    changed = true;
                }
            }
        }
    }

    /** Whether {@code column} is a column of the row source {@code qualifier} (else: functional notation). */
    private boolean isColumn(String qualifier, String column) {
        for (Lineage.Relation r : l.relations()) {
            if (r.alias().equals(qualifier) || r.name().equals(qualifier)) {
                Set<String> cols = catalog.columns().get(r.schema() == null ? r.name() : r.schema() + "." + r.name());
                if (cols != null) {
                    return cols.contains(column);
                }
            }
        }
        // A subquery or CTE: its columns are names the statement defines, or columns passed through.
        for (Lineage.Derivation d : l.derivations()) {
            if (d.outputs().contains(column)) {
                return true;
            }
        }
        for (Lineage.Relation r : l.relations()) {
            Set<String> cols = catalog.columns().get(r.schema() == null ? r.name() : r.schema() + "." + r.name());
            if (cols == null || cols.contains(column)) {
                return true;
            }
        }
        return false;
    }

    private List<String> strictColumns() {
        return rules.columns().stream()
                .filter(MaskedColumn::denyPredicates)
                .map(MaskedColumn::qualifiedName)
                .toList();
    }

    private static boolean intersects(Set<String> a, Set<String> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return false;
        }
        Set<String> small = a.size() <= b.size() ? a : b;
        Set<String> large = small == a ? b : a;
        for (String s : small) {
            if (large.contains(s)) {
                return true;
            }
        }
        return false;
    }
}
