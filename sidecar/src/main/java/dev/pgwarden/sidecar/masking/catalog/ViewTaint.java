package dev.pgwarden.sidecar.masking.catalog;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.sidecar.masking.plan.CatalogSnapshot;
import dev.pgwarden.sidecar.masking.plan.MaskPlan;
import dev.pgwarden.sidecar.masking.plan.MaskPlanner;
import dev.pgwarden.sidecar.masking.plan.MaskRules;
import dev.pgwarden.sidecar.masking.plan.MaskedColumn;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.StatementClassifier;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Views and materialized views over masked columns, and views over those, until none is added.
 * Each view's definition is read like a statement: its columns that derive from masked values
 * are masked (whole, with the strictest strategy they derive from); a definition pgwarden cannot
 * follow masks every column of the view.
 */
final class ViewTaint {
    private final MaskRules rules;
    private final MaskPlanner planner;

    ViewTaint(MaskRules rules) {
        this.rules = rules;
        this.planner = new MaskPlanner(rules);
    }

    /**
     * Adds the views over {@code masked} relations to {@code tainted}, {@code columns} and
     * {@code attributes}.
     *
     * @param relations every relation by OID, as {@link CatalogQueries#relations} reads them
     * @param relationNames their bare and qualified names
     * @param userFunctions functions pgwarden cannot see into, by OID
     */
    void addViews(
            Connection c,
            Map<Integer, String[]> relations,
            Set<String> relationNames,
            Map<Integer, Map<String, MaskedColumn>> masked,
            Map<Integer, String> userFunctions,
            Map<String, Map<String, MaskedColumn>> tainted,
            Map<String, Set<String>> columns,
            Map<Long, CatalogSnapshot.Attribute> attributes)
            throws SQLException {
        Map<Integer, Set<Integer>> dependsOn = new HashMap<>();
        Set<Integer> overFunctions = new HashSet<>();
        Set<Integer> premasked = CatalogQueries.maskingViews(c);
        for (CatalogQueries.ViewDependency d : CatalogQueries.viewDependencies(c)) {
            if (premasked.contains(d.view())) {
                continue; // pgwarden's own masking views: what they show is masked already
            }
            if (d.function()) {
                // A view calling a function pgwarden cannot see into (or one running SQL text): its
                // columns may hold masked values.
                if (userFunctions.containsKey(d.on()) || MaskPlanner.untraceableFunction(d.functionName())) {
                    overFunctions.add(d.view());
                }
            } else {
                dependsOn.computeIfAbsent(d.view(), k -> new HashSet<>()).add(d.on());
            }
        }
        Set<Integer> taintedOids = new HashSet<>(masked.keySet());
        Set<String> functionNames = Set.copyOf(userFunctions.values());
        for (int view : overFunctions) {
            dependsOn.computeIfAbsent(view, k -> new HashSet<>()).add(-1);
        }
        taintedOids.add(-1);
        boolean added = true;
        for (int round = 0; added && round < 32; round++) {
            added = false;
            for (Map.Entry<Integer, Set<Integer>> e : dependsOn.entrySet()) {
                int view = e.getKey();
                if (taintedOids.contains(view) || e.getValue().stream().noneMatch(taintedOids::contains)) {
                    continue;
                }
                // While views are still being read, every user function counts as one that may return masked values.
                Map<String, String> unread = new HashMap<>();
                functionNames.forEach(n -> unread.put(n, n + "() has not been read yet"));
                CatalogSnapshot draft = new CatalogSnapshot(
                        0,
                        Map.of(),
                        relations.keySet(),
                        tainted,
                        columns,
                        Set.of(),
                        relationNames,
                        functionNames,
                        unread);
                Map<String, MaskedColumn> cols = viewColumns(c, view, relations.get(view), draft, attributes, columns);
                put(tainted, relations.get(view), cols);
                taintedOids.add(view);
                added = true;
            }
        }
    }

    private Map<String, MaskedColumn> viewColumns(
            Connection c,
            int view,
            String[] name,
            CatalogSnapshot draft,
            Map<Long, CatalogSnapshot.Attribute> attributes,
            Map<String, Set<String>> allColumns)
            throws SQLException {
        String definition = CatalogQueries.viewDefinition(c, view);
        List<String> columns = CatalogQueries.columnsInOrder(c, view);
        if (name != null) {
            allColumns.put(name[1], new HashSet<>(columns));
            allColumns.put(name[0] + "." + name[1], new HashSet<>(columns));
        }
        String sql = definition == null ? "" : definition.strip();
        if (sql.endsWith(";")) {
            sql = sql.substring(0, sql.length() - 1);
        }
        Classification k = StatementClassifier.classify(sql);
        MaskPlan plan = planner.plan(k, sql, draft, List.of(), Map.of());
        boolean strict = plan.touched().stream()
                .anyMatch(t -> rules.columns().stream()
                        .anyMatch(m -> m.denyPredicates() && m.qualifiedName().equals(t)));
        Map<String, MaskedColumn> out = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            MaskStrategy st =
                    plan.refusal() != null ? rules.strictestDerived() : plan.derivedStrategy(i, columns.size());
            if (st != null) {
                out.put(columns.get(i), new MaskedColumn(name[0], name[1], columns.get(i), st, strict));
                attributes.put(
                        CatalogSnapshot.key(view, i + 1),
                        new CatalogSnapshot.Attribute(name[0] + "." + name[1] + "." + columns.get(i), st));
            }
        }
        return out;
    }

    /** Records a relation's masked columns under its bare and its qualified name. */
    /** The names a statement may use for relation {@code name} ([schema, name]): bare and qualified, as {@link #put} keys them. */
    static void names(String[] name, Set<String> into) {
        if (name != null) {
            into.add(name[1]);
            into.add(name[0] + "." + name[1]);
        }
    }

    static void put(Map<String, Map<String, MaskedColumn>> tainted, String[] name, Map<String, MaskedColumn> cols) {
        if (name == null || cols.isEmpty()) {
            return;
        }
        // A bare name may mean a relation of that name in any schema on the search path: merge them.
        tainted.merge(name[1], new HashMap<>(cols), (a, b) -> {
            Map<String, MaskedColumn> m = new HashMap<>(a);
            m.putAll(b);
            return m;
        });
        tainted.put(name[0] + "." + name[1], Map.copyOf(cols));
    }
}
