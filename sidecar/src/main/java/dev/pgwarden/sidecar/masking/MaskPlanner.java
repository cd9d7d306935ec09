package dev.pgwarden.sidecar.masking;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.Lineage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides how a statement's results are masked, from its {@link Lineage} and a catalog snapshot.
 *
 * <p>Names are tainted from the masked columns of the relations the statement names, then through
 * every name the statement defines from a tainted one (an alias, a CTE or subquery column), until
 * nothing changes. A computed result column whose expression holds a tainted name is masked
 * whole. What cannot be traced fails closed: a whole-row value of a relation with masked columns,
 * or a write of tainted values into a table, is refused; a statement pgwarden could not read, or
 * one that calls functions it cannot see into or names relations it does not know yet, has every
 * computed column masked.
 */
public final class MaskPlanner {
  /** Kinds whose results are never rows of the database's data. */
  private static final Set<StatementKind> NO_DATA = Set.of(StatementKind.SET, StatementKind.SHOW,
      StatementKind.TRANSACTION, StatementKind.LISTEN, StatementKind.NOTIFY, StatementKind.VACUUM,
      StatementKind.ANALYZE, StatementKind.PREPARE, StatementKind.GRANT, StatementKind.REVOKE,
      StatementKind.CREATE_ROLE, StatementKind.ALTER_ROLE, StatementKind.DROP_ROLE, StatementKind.TRUNCATE,
      StatementKind.COPY_FROM, StatementKind.DROP);

  private final MaskRules rules;
  private final MaskStrategy strictest;

  public MaskPlanner(MaskRules rules) {
    this.rules = rules;
    MaskStrategy s = MaskStrategy.PARTIAL;
    for (MaskedColumn c : rules.columns()) {
      s = MaskRules.stricter(s, c.strategy());
    }
    this.strictest = derivedForm(s);
  }

  /**
   * @param preparedBodies the bodies an EXECUTE may run (from PREPAREs seen in the session)
   * @param cursors plans of the cursors declared in the session, by name
   */
  public MaskPlan plan(Classification c, CatalogSnapshot catalog, Collection<Classification> preparedBodies,
      Map<String, MaskPlan> cursors) {
    if (c.kind() == StatementKind.EXECUTE) {
      return preparedBodies.size() == 1 ? plan(preparedBodies.iterator().next(), catalog, List.of(), cursors)
          : unknown(null);
    }
    if (c.kind() == StatementKind.FETCH) {
      MaskPlan p = c.setting() == null ? null : cursors.get(c.setting());
      return p != null ? p : unknown(null);
    }
    Lineage l = c.lineage();
    if (c.kind() == StatementKind.DO || c.hasHazard(Classification.Hazard.DECLARES_CODE)) {
      return MaskPlan.refuse("the policy masks columns, and code in DO blocks, functions and procedures can read"
          + " them where pgwarden cannot mask what it returns. Write the statements as plain SQL, or ask a DBA"
          + " to create the function", List.of());
    }
    if (c.kind() == StatementKind.ALTER) {
      for (String w : c.writes()) {
        if (taintedColumns(catalog, w) != null) {
          return MaskPlan.refuse("ALTER of " + w + ", which holds masked columns: renaming or retyping a masked"
              + " column would take it out of the policy's reach. Ask a DBA to change it with the policy", List.of());
        }
      }
    }
    if (c.kind() == StatementKind.COPY_TO) {
      for (String r : c.reads()) {
        if (taintedColumns(catalog, r) != null || !knownRelation(catalog, r, l)) {
          return MaskPlan.refuse("COPY ... TO would send the masked columns of " + r + " in clear; pgwarden masks"
              + " query results only. Use SELECT instead, or COPY the columns that are not masked", List.of());
        }
      }
      return MaskPlan.NONE;
    }
    if (l == null) {
      return NO_DATA.contains(c.kind()) || c.kind() == StatementKind.EXPLAIN ? MaskPlan.NONE : unknown(null);
    }
    return new Evaluation(l, c, catalog).plan();
  }

  /** Every computed column masked with the strictest strategy: nothing is known of where it comes from. */
  private MaskPlan unknown(List<String> touched) {
    return new MaskPlan(null, null, strictest, strictest, touched == null ? List.of() : touched, true, true);
  }

  /** One statement against one snapshot. */
  private final class Evaluation {
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

    Evaluation(Lineage l, Classification c, CatalogSnapshot catalog) {
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
        } else if (!catalog.relationNames().contains(qualified) && !(r.schema() == null && l.localNames().contains(r.name()))) {
          unknownRelations.add(qualified);
        }
      }
      Set<String> userCalls = new HashSet<>(c.functions());
      userCalls.retainAll(catalog.userFunctions());
      if (!anyTainted && unknownRelations.isEmpty() && userCalls.isEmpty()) {
        return MaskPlan.NONE;
      }
      propagate(names, rows);
      propagate(strictNames, strictRows);
      List<String> touchedList = List.copyOf(touched);

      for (String w : l.wholeRows()) {
        if (rows.contains(w)) {
          return MaskPlan.refuse("\"" + w + "\" is a whole row of a relation with masked columns, whose values"
              + " pgwarden cannot follow. Name the columns you need instead (for example " + w + ".id), or build"
              + " the row from them: row_to_json(c) becomes json_build_object('id', c.id, ...)", touchedList);
        }
      }
      if (intersects(l.copied(), names) || intersects(l.copiedRows(), rows) || intersects(l.copiedRows(), names)) {
        return MaskPlan.refuse("it would write masked column values into a table, where they would no longer be"
            + " masked. Copy only columns that are not masked", touchedList);
      }
      if ((!l.copied().isEmpty() || !l.copiedRows().isEmpty()) && !unknownRelations.isEmpty()) {
        return MaskPlan.refuse("it writes values read from " + String.join(", ", unknownRelations) + ", which"
            + " pgwarden does not know yet (created in this transaction?), so it cannot tell whether they are"
            + " masked. Commit the new relation first", touchedList);
      }
      if (!strictNames.isEmpty() && (intersects(l.predicates(), strictNames) || intersects(l.computed(), strictNames))) {
        return MaskPlan.refuse("the policy does not allow filtering, joining, sorting, grouping or computing on "
            + String.join(", ", strictColumns()) + ". Select the column as it is, or filter on another column",
            touchedList);
      }
      // A user function may read masked columns inside: what it returns cannot be traced.
      boolean unknown = l.opaque() || !unknownRelations.isEmpty() || !userCalls.isEmpty();
      // The strictest strategy among the masked columns the statement names; all of them when it names none.
      MaskStrategy derivedStrategy = derivedForm(anyNamed ? strategy : allStrategy);
      if (unknown) {
        return new MaskPlan(null, null, derivedStrategy, derivedStrategy, touchedList, true, !userCalls.isEmpty());
      }
      if (l.outputs() == null) {
        boolean tainted = intersects(l.outputSources(), names) || intersects(l.outputRows(), rows)
            || intersects(l.outputRows(), names);
        return new MaskPlan(null, null, tainted ? derivedStrategy : null, tainted ? derivedStrategy : null,
            touchedList, true, !userCalls.isEmpty());
      }
      List<MaskStrategy> derived = new ArrayList<>(l.outputs().size());
      boolean anyDerived = false;
      for (Set<String> sources : l.outputs()) {
        boolean tainted = intersects(sources, names);
        anyDerived |= tainted;
        derived.add(tainted ? derivedStrategy : null);
      }
      return new MaskPlan(null, derived, null, anyDerived ? derivedStrategy : null, touchedList,
          anyTainted || !userCalls.isEmpty(), !userCalls.isEmpty());
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

    private List<String> strictColumns() {
      return rules.columns().stream().filter(MaskedColumn::denyPredicates).map(MaskedColumn::qualifiedName).toList();
    }
  }

  private static boolean knownRelation(CatalogSnapshot catalog, String name, Lineage l) {
    return catalog.relationNames().contains(name) || l != null && l.localNames().contains(name);
  }

  private static Map<String, MaskedColumn> taintedColumns(CatalogSnapshot catalog, String name) {
    return catalog.tainted().get(name);
  }

  /** A part of a value computed from a masked one is not a documented part: partial becomes redact. */
  static MaskStrategy derivedForm(MaskStrategy s) {
    return s == MaskStrategy.PARTIAL ? MaskStrategy.REDACT : s;
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
