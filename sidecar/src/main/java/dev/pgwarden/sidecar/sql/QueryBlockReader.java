package dev.pgwarden.sidecar.sql;

import static dev.pgwarden.sidecar.sql.LineageFacts.name;
import static dev.pgwarden.sidecar.sql.LineageFacts.names;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.sf.jsqlparser.expression.Alias;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.TableFunction;
import net.sf.jsqlparser.statement.select.Values;

/**
 * Reads one query block for its lineage: the row sources of its FROM and JOINs, what each select
 * item defines from which names, and the names in filtering, grouping and ordering positions.
 */
final class QueryBlockReader {
    private final LineageFacts facts;
    private final ResultColumns results;

    QueryBlockReader(LineageFacts facts, ResultColumns results) {
        this.facts = facts;
        this.results = results;
    }

    void read(PlainSelect p) {
        fromItem(p.getFromItem());
        joins(p.getJoins());
        for (SelectItem<?> item : p.getSelectItems()) {
            selectItem(item);
        }
        facts.predicates.addAll(names(p.getWhere()));
        facts.predicates.addAll(names(p.getHaving()));
        facts.predicates.addAll(names(p.getQualify()));
        if (p.getGroupBy() != null) {
            facts.predicates.addAll(names(p.getGroupBy().toString()));
            if (p.getGroupBy().getGroupByExpressionList() != null) {
                for (Object g : p.getGroupBy().getGroupByExpressionList()) {
                    facts.comparesValues |= g instanceof LongValue;
                }
            }
        }
        if (p.getOrderByElements() != null) {
            p.getOrderByElements().forEach(o -> facts.predicates.addAll(names(o.toString())));
            // ORDER BY 1 sorts on a result column without naming it.
            facts.comparesValues |=
                    p.getOrderByElements().stream().anyMatch(o -> o.getExpression() instanceof LongValue);
        }
        facts.comparesValues |= p.getDistinct() != null;
        if (p.getDistinct() != null && p.getDistinct().getOnSelectItems() != null) {
            p.getDistinct().getOnSelectItems().forEach(i -> facts.predicates.addAll(names(i.toString())));
        }
        if (p.getWindowDefinitions() != null) {
            p.getWindowDefinitions().forEach(w -> facts.predicates.addAll(names(w.toString())));
        }
        if (p.getIntoTables() != null && !p.getIntoTables().isEmpty()) {
            ResultColumns.Result r = results.of(p);
            facts.copied.addAll(r.sources());
            facts.copiedRows.addAll(r.rows());
        }
    }

    private void selectItem(SelectItem<?> item) {
        Expression e = item.getExpression();
        if (e instanceof AllColumns) {
            facts.resultStars.add(e);
            return;
        }
        Set<String> sources = SqlNames.references(e.toString());
        if (!(e instanceof Column)) {
            facts.computed.addAll(sources);
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
        facts.derivations.add(new Lineage.Derivation(Set.copyOf(defined), sources, false, false));
    }

    void joins(List<Join> joins) {
        if (joins == null) {
            return;
        }
        for (Join j : joins) {
            fromItem(j.getRightItem());
            facts.comparesValues |= j.isNatural();
            if (j.getOnExpressions() != null) {
                j.getOnExpressions().forEach(e -> facts.predicates.addAll(names(e)));
            }
            if (j.getUsingColumns() != null) {
                j.getUsingColumns().forEach(c -> facts.predicates.add(name(c.getColumnName())));
            }
        }
    }

    void fromItem(FromItem item) {
        if (item == null) {
            return;
        }
        if (item instanceof Table t) {
            facts.relation(t);
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
                facts.derive(Set.of(name(alias.getName())), columnNames, names(pf.toString()));
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
            facts.derive(rowNames, columnNames, names(item.toString()));
            if ((function || item instanceof Values) && (alias == null || alias.getAliasColumns() == null)) {
                // Its columns go by names the statement need not spell here: column1 of VALUES, the fields
                // of the record or composite a function returns (json_each's key and value,
                // json_populate_record's columns, unnest of an array of rows).
                facts.anyColumnFrom.add(names(item.toString()));
            }
        } else {
            facts.opaque = true;
        }
    }
}
