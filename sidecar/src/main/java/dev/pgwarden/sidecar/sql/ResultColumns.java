package dev.pgwarden.sidecar.sql;

import static dev.pgwarden.sidecar.sql.LineageFacts.name;
import static dev.pgwarden.sidecar.sql.LineageFacts.names;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.AllTableColumns;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.statement.select.TableFunction;

/**
 * What a query or a RETURNING list gives back, column by column: the names each result column is
 * computed from, and the row sources its stars expand.
 */
final class ResultColumns {
    private final LineageFacts facts;

    ResultColumns(LineageFacts facts) {
        this.facts = facts;
    }

    /**
     * A query's result columns: per column the names it is computed from, or null when a star hides
     * the mapping.
     */
    record Result(List<Set<String>> columns, Set<String> sources, Set<String> rows) {}

    Result of(Select select) {
        if (select instanceof ParenthesedSelect ps && ps.getSelect() != null) {
            return of(ps.getSelect());
        }
        if (select instanceof PlainSelect p) {
            Set<String> rowSources = new HashSet<>();
            if (p.getFromItem() != null) {
                rowSources.addAll(sourceNames(p.getFromItem()));
            }
            if (p.getJoins() != null) {
                p.getJoins().forEach(j -> rowSources.addAll(sourceNames(j.getRightItem())));
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
                Result r = of(branch);
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

    /** A select list or RETURNING list, whose stars expand {@code rowSources}. */
    Result items(List<SelectItem<?>> items, Set<String> rowSources) {
        List<Set<String>> columns = new ArrayList<>();
        Set<String> sources = new HashSet<>();
        Set<String> rows = new HashSet<>();
        boolean mapped = true;
        for (SelectItem<?> item : items) {
            Expression e = item.getExpression();
            if (e instanceof AllTableColumns star) {
                facts.resultStars.add(star);
                rows.add(name(star.getTable().getName()));
                mapped = false;
            } else if (e instanceof AllColumns) {
                rows.addAll(rowSources);
                mapped = false;
            } else {
                Set<String> n = SqlNames.references(e.toString());
                if (!(e instanceof Column)) {
                    facts.computed.addAll(n);
                }
                columns.add(n);
                sources.addAll(n);
            }
        }
        return new Result(mapped ? columns : null, sources, rows);
    }

    /**
     * The names the columns of a FROM item go by, which a star expands: its alias, a table's own
     * name, a function's name ({@code SELECT * FROM unnest(...)} gives a column named unnest), the
     * items of a parenthesized join. An unaliased item whose columns have no name to follow brings
     * every name in it, so a star over {@code lower((SELECT email ...))} is as tainted as its argument.
     */
    private static Set<String> sourceNames(FromItem item) {
        if (item.getAlias() != null) {
            return Set.of(name(item.getAlias().getName()));
        }
        if (item instanceof Table t) {
            return Set.of(name(t.getName()));
        }
        Set<String> out = new HashSet<>();
        if (item instanceof ParenthesedFromItem pf) {
            out.addAll(sourceNames(pf.getFromItem()));
            if (pf.getJoins() != null) {
                pf.getJoins().forEach(j -> out.addAll(sourceNames(j.getRightItem())));
            }
            return out;
        }
        if (item instanceof TableFunction f && f.getFunction() != null) {
            out.add(name(f.getFunction().getName()));
        }
        out.addAll(names(item.toString()));
        out.add("?");
        return out;
    }
}
