package dev.pgwarden.sidecar.sql;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.sf.jsqlparser.expression.Alias;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.ReturningClause;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.delete.ParenthesedDelete;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.insert.ParenthesedInsert;
import net.sf.jsqlparser.statement.merge.Merge;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.AllTableColumns;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.statement.select.TableFunction;
import net.sf.jsqlparser.statement.select.Values;
import net.sf.jsqlparser.statement.select.WithItem;
import net.sf.jsqlparser.statement.update.ParenthesedUpdate;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.update.UpdateSet;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * Reads a parsed statement's {@link Lineage}. Every query block is read once, wherever it sits
 * (a CTE, a FROM subquery, a scalar subquery, one side of a UNION), for its FROM items, its select
 * items and its predicates; expressions are read as the names in their text, which covers every
 * expression form JSqlParser knows without a case for each.
 */
final class LineageReader {
  private final Set<Lineage.Relation> relations = new LinkedHashSet<>();
  private final Set<String> localNames = new HashSet<>();
  private final List<Lineage.Derivation> derivations = new ArrayList<>();
  private final Set<String> predicates = new HashSet<>();
  private final Set<String> copied = new HashSet<>();
  private final Set<String> copiedRows = new HashSet<>();
  private final Set<String> wholeRows = new HashSet<>();
  private final Set<String> identifiers = new HashSet<>();
  private final Set<String> computed = new HashSet<>();
  private final Set<String> qualifiedRefs = new HashSet<>();
  private boolean comparesValues;
  /** Stars that are result-list items: a {@code t.*} anywhere else is a whole-row value. */
  private final Set<Object> resultStars = Collections.newSetFromMap(new IdentityHashMap<>());
  private final List<AllTableColumns> allStars = new ArrayList<>();
  private boolean opaque;

  private List<Set<String>> outputs = List.of();
  private Set<String> outputSources = Set.of();
  private Set<String> outputRows = Set.of();

  private LineageReader() {
  }

  static Lineage read(Statement statement) {
    LineageReader r = new LineageReader();
    r.blocks(statement);
    r.top(statement);
    for (AllTableColumns star : r.allStars) {
      if (!r.resultStars.contains(star)) {
        r.wholeRows.add(name(star.getTable().getName()));
      }
    }
    return new Lineage(Set.copyOf(r.relations), Set.copyOf(r.localNames), List.copyOf(r.derivations),
        r.outputs == null ? null : List.copyOf(r.outputs), Set.copyOf(r.outputSources), Set.copyOf(r.outputRows),
        Set.copyOf(r.predicates), Set.copyOf(r.copied), Set.copyOf(r.copiedRows), Set.copyOf(r.wholeRows),
        Set.copyOf(r.computed), Set.copyOf(r.qualifiedRefs), r.comparesValues, Set.copyOf(r.identifiers), r.opaque);
  }

  /** Every query block and every column reference in the statement, found by JSqlParser's own walker. */
  private void blocks(Statement statement) {
    List<PlainSelect> plains = new ArrayList<>();
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    TablesNamesFinder<Void> walker = new TablesNamesFinder<>() {
      {
        init(true);
      }

      @Override
      public <S> Void visit(PlainSelect p, S context) {
        if (seen.add(p)) {
          plains.add(p);
        }
        return super.visit(p, context);
      }

      @Override
      public <S> Void visit(Column column, S context) {
        if (column.getTable() == null || column.getTable().getName() == null) {
          wholeRows.add(name(column.getColumnName()));
        } else {
          qualifiedRefs.add(name(column.getTable().getName()) + "." + name(column.getColumnName()));
        }
        return super.visit(column, context);
      }

      @Override
      public <S> Void visit(AllTableColumns star, S context) {
        if (seen.add(star)) {
          allStars.add(star);
        }
        return super.visit(star, context);
      }

      @Override
      public <S> Void visit(SetOperationList set, S context) {
        for (var op : set.getOperations()) {
          String o = op.toString().toUpperCase(java.util.Locale.ROOT);
          comparesValues |= !o.contains("ALL");
        }
        return super.visit(set, context);
      }

      @Override
      public <S> Void visit(WithItem<?> item, S context) {
        if (seen.add(item)) {
          withItem(item);
        }
        return super.visit(item, context);
      }
    };
    statement.accept(walker, null);
    for (PlainSelect p : plains) {
      plain(p);
    }
  }

  private void plain(PlainSelect p) {
    fromItem(p.getFromItem());
    joins(p.getJoins());
    for (SelectItem<?> item : p.getSelectItems()) {
      Expression e = item.getExpression();
      if (e instanceof AllColumns) {
        resultStars.add(e);
        continue;
      }
      Set<String> sources = SqlNames.references(e.toString());
      if (!(e instanceof Column)) {
        computed.addAll(sources);
      }
      Set<String> defined = new HashSet<>();
      if (item.getAlias() != null) {
        defined.add(name(item.getAlias().getName()));
      } else if (e instanceof Column c) {
        defined.add(name(c.getColumnName()));
      } else {
        // PostgreSQL names an unaliased expression after a function, a type or "?column?":
        // any of its words may be that name.
        defined.addAll(names(e));
        defined.add("?column?");
      }
      derivations.add(new Lineage.Derivation(Set.copyOf(defined), sources, false, false));
    }
    predicates.addAll(names(p.getWhere()));
    predicates.addAll(names(p.getHaving()));
    predicates.addAll(names(p.getQualify()));
    if (p.getGroupBy() != null) {
      predicates.addAll(names(p.getGroupBy().toString()));
      if (p.getGroupBy().getGroupByExpressionList() != null) {
        for (Object g : p.getGroupBy().getGroupByExpressionList()) {
          comparesValues |= g instanceof net.sf.jsqlparser.expression.LongValue;
        }
      }
    }
    if (p.getOrderByElements() != null) {
      p.getOrderByElements().forEach(o -> predicates.addAll(names(o.toString())));
      // ORDER BY 1 sorts on a result column without naming it.
      comparesValues |= p.getOrderByElements().stream()
          .anyMatch(o -> o.getExpression() instanceof net.sf.jsqlparser.expression.LongValue);
    }
    comparesValues |= p.getDistinct() != null;
    if (p.getDistinct() != null && p.getDistinct().getOnSelectItems() != null) {
      p.getDistinct().getOnSelectItems().forEach(i -> predicates.addAll(names(i.toString())));
    }
    if (p.getWindowDefinitions() != null) {
      p.getWindowDefinitions().forEach(w -> predicates.addAll(names(w.toString())));
    }
    if (p.getIntoTables() != null && !p.getIntoTables().isEmpty()) {
      Result r = result(p);
      copied.addAll(r.sources);
      copiedRows.addAll(r.rows);
    }
  }

  private void joins(List<Join> joins) {
    if (joins == null) {
      return;
    }
    for (Join j : joins) {
      fromItem(j.getRightItem());
      comparesValues |= j.isNatural();
      if (j.getOnExpressions() != null) {
        j.getOnExpressions().forEach(e -> predicates.addAll(names(e)));
      }
      if (j.getUsingColumns() != null) {
        j.getUsingColumns().forEach(c -> predicates.add(name(c.getColumnName())));
      }
    }
  }

  private void fromItem(FromItem item) {
    if (item == null) {
      return;
    }
    if (item instanceof Table t) {
      relation(t);
    } else if (item instanceof ParenthesedFromItem pf) {
      fromItem(pf.getFromItem());
      joins(pf.getJoins());
      // (a JOIN b) AS j(x, y, z) renames the joined columns.
      Alias alias = pf.getAlias();
      if (alias != null) {
        Set<String> columnNames = new HashSet<>();
        if (alias.getAliasColumns() != null) {
          alias.getAliasColumns().forEach(c -> columnNames.add(name(c.name)));
        }
        derive(Set.of(name(alias.getName())), columnNames, names(pf.toString()));
      }
    } else if (item instanceof ParenthesedSelect || item instanceof TableFunction || item instanceof Values) {
      Alias alias = item.getAlias();
      Set<String> rowNames = new HashSet<>();
      Set<String> columnNames = new HashSet<>();
      boolean function = item instanceof TableFunction;
      if (alias != null) {
        // A function's alias names its value (SELECT u FROM unnest(...) u), a subquery's a row.
        (function ? columnNames : rowNames).add(name(alias.getName()));
        if (alias.getAliasColumns() != null) {
          alias.getAliasColumns().forEach(c -> columnNames.add(name(c.name)));
        }
      }
      if (function && ((TableFunction) item).getFunction() != null) {
        // Without an alias, a function in FROM goes by its own name.
        columnNames.add(name(((TableFunction) item).getFunction().getName()));
      }
      derive(rowNames, columnNames, names(item.toString()));
    } else {
      opaque = true;
    }
  }

  /** A row source defined from {@code sources}: its name carries rows, its column names values. */
  private void derive(Set<String> rowNames, Set<String> columnNames, Set<String> sources) {
    if (!rowNames.isEmpty()) {
      derivations.add(new Lineage.Derivation(Set.copyOf(rowNames), sources, true, true));
    }
    if (!columnNames.isEmpty()) {
      derivations.add(new Lineage.Derivation(Set.copyOf(columnNames), sources, false, true));
    }
  }

  private void relation(Table t) {
    String n = name(t.getName());
    String alias = t.getAlias() == null ? n : name(t.getAlias().getName());
    relations.add(new Lineage.Relation(t.getSchemaName() == null ? null : name(t.getSchemaName()), n, alias));
    if (t.getAlias() != null && t.getAlias().getAliasColumns() != null) {
      // customers c(i, n, e) renames the table's columns: each new name may be any of them.
      Set<String> columnNames = new HashSet<>();
      t.getAlias().getAliasColumns().forEach(c -> columnNames.add(name(c.name)));
      derive(Set.of(), columnNames, Set.of(n, alias));
    }
  }

  private void withItem(WithItem<?> item) {
    Set<String> rowNames = new HashSet<>();
    Set<String> columnNames = new HashSet<>();
    String cte = item.getAlias() == null ? null : name(item.getAlias().getName());
    if (cte != null) {
      rowNames.add(cte);
      localNames.add(cte);
    }
    if (item.getWithItemList() != null) {
      item.getWithItemList().forEach(i -> columnNames.add(name(i.toString())));
    }
    Object body = item.getParenthesedStatement();
    derive(rowNames, columnNames, names(String.valueOf(body)));
    if (body instanceof ParenthesedInsert i) {
      dml(i.getInsert());
    } else if (body instanceof ParenthesedUpdate u) {
      dml(u.getUpdate());
    } else if (body instanceof ParenthesedDelete d) {
      dml(d.getDelete());
    }
  }

  /** What a data-changing statement reads, filters on and writes; its RETURNING list is its result. */
  private ReturningClause dml(Statement s) {
    identifiers.addAll(names(s.toString()));
    if (s instanceof Insert insert) {
      relation(insert.getTable());
      if (insert.getSelect() != null) {
        Result r = result(insert.getSelect());
        copied.addAll(r.sources);
        copiedRows.addAll(r.rows);
      }
      if (insert.getConflictAction() != null) {
        copied.addAll(names(insert.getConflictAction().toString()));
      }
      return insert.getReturningClause();
    }
    if (s instanceof Update update) {
      relation(update.getTable());
      fromItem(update.getFromItem());
      joins(update.getStartJoins());
      joins(update.getJoins());
      for (UpdateSet set : update.getUpdateSets()) {
        copied.addAll(names(set.getValues() == null ? null : set.getValues().toString()));
      }
      predicates.addAll(names(update.getWhere()));
      return update.getReturningClause();
    }
    if (s instanceof Delete delete) {
      relation(delete.getTable());
      if (delete.getUsingList() != null) {
        delete.getUsingList().forEach(this::relation);
      }
      joins(delete.getJoins());
      predicates.addAll(names(delete.getWhere()));
      return delete.getReturningClause();
    }
    if (s instanceof Merge merge) {
      relation(merge.getTable());
      fromItem(merge.getFromItem());
      predicates.addAll(names(merge.getOnCondition()));
      // Every WHEN clause may write a value from the source: all of them count as written.
      if (merge.getOperations() != null) {
        merge.getOperations().forEach(o -> copied.addAll(names(o.toString())));
      }
      return merge.getReturningClause();
    }
    return null;
  }

  /** The statement's own result: its top-level query's columns, or its RETURNING list. */
  private void top(Statement statement) {
    identifiers.addAll(names(statement.toString()));
    if (statement instanceof Select select) {
      Result r = result(select);
      outputs = r.columns;
      outputSources = r.sources;
      outputRows = r.rows;
      return;
    }
    ReturningClause returning = dml(statement);
    if (returning != null) {
      Result r = items(returning, Set.of());
      outputs = r.columns;
      outputSources = r.sources;
      outputRows = r.rows;
    }
  }

  /** A query's result columns: per column the names it is computed from, or null when a star hides the mapping. */
  private record Result(List<Set<String>> columns, Set<String> sources, Set<String> rows) {
  }

  private Result result(Select select) {
    if (select instanceof ParenthesedSelect ps && ps.getSelect() != null) {
      return result(ps.getSelect());
    }
    if (select instanceof PlainSelect p) {
      Set<String> rowSources = new HashSet<>();
      if (p.getFromItem() != null) {
        rowSources.add(sourceName(p.getFromItem()));
      }
      if (p.getJoins() != null) {
        p.getJoins().forEach(j -> rowSources.add(sourceName(j.getRightItem())));
      }
      return items(p.getSelectItems(), rowSources);
    }
    if (select instanceof SetOperationList set) {
      // Column i of a UNION comes from column i of every branch.
      List<Set<String>> columns = new ArrayList<>();
      Set<String> sources = new HashSet<>();
      Set<String> rows = new HashSet<>();
      boolean mapped = true;
      for (Select branch : set.getSelects()) {
        Result r = result(branch);
        sources.addAll(r.sources);
        rows.addAll(r.rows);
        if (r.columns == null) {
          mapped = false;
        } else if (mapped) {
          for (int i = 0; i < r.columns.size(); i++) {
            if (i == columns.size()) {
              columns.add(new HashSet<>());
            }
            columns.get(i).addAll(r.columns.get(i));
          }
        }
      }
      return new Result(mapped ? columns.stream().map(Set::copyOf).toList() : null, sources, rows);
    }
    // VALUES and anything else: every value may be in every column.
    Set<String> all = names(select.toString());
    return new Result(null, all, Set.of());
  }

  private Result items(List<SelectItem<?>> items, Set<String> rowSources) {
    List<Set<String>> columns = new ArrayList<>();
    Set<String> sources = new HashSet<>();
    Set<String> rows = new HashSet<>();
    boolean mapped = true;
    for (SelectItem<?> item : items) {
      Expression e = item.getExpression();
      if (e instanceof AllTableColumns star) {
        resultStars.add(star);
        rows.add(name(star.getTable().getName()));
        mapped = false;
      } else if (e instanceof AllColumns) {
        rows.addAll(rowSources);
        mapped = false;
      } else {
        Set<String> n = SqlNames.references(e.toString());
        if (!(e instanceof Column)) {
          computed.addAll(n);
        }
        columns.add(n);
        sources.addAll(n);
      }
    }
    return new Result(mapped ? columns : null, sources, rows);
  }

  /** The name a FROM item goes by: its alias, or a table's own name. */
  private static String sourceName(FromItem item) {
    if (item.getAlias() != null) {
      return name(item.getAlias().getName());
    }
    return item instanceof Table t ? name(t.getName()) : "?";
  }

  private static Set<String> names(Expression e) {
    return e == null ? Set.of() : names(e.toString());
  }

  static Set<String> names(String text) {
    return SqlNames.of(text);
  }

  /** A name as written in JSqlParser's tree. */
  static String name(String raw) {
    return raw == null ? "?" : Identifiers.fold(raw);
  }
}
