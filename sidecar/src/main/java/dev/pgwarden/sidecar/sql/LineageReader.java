package dev.pgwarden.sidecar.sql;

import static dev.pgwarden.sidecar.sql.LineageFacts.name;
import static dev.pgwarden.sidecar.sql.LineageFacts.names;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.ReturningClause;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.ParenthesedDelete;
import net.sf.jsqlparser.statement.insert.ParenthesedInsert;
import net.sf.jsqlparser.statement.select.AllTableColumns;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.statement.select.WithItem;
import net.sf.jsqlparser.statement.update.ParenthesedUpdate;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * Reads a parsed statement's {@link Lineage}. Every query block is read once, wherever it sits
 * (a CTE, a FROM subquery, a scalar subquery, one side of a UNION), for its FROM items, its select
 * items and its predicates ({@link QueryBlockReader}); data-changing statements for what they
 * write ({@link DataChangeReader}); the statement's own result column by column
 * ({@link ResultColumns}). Expressions are read as the names in their text, which covers every
 * expression form JSqlParser knows without a case for each.
 */
final class LineageReader {
    private final LineageFacts facts = new LineageFacts();
    private final ResultColumns results = new ResultColumns(facts);
    private final QueryBlockReader blocks = new QueryBlockReader(facts, results);
    private final DataChangeReader changes = new DataChangeReader(facts, blocks, results);

    private LineageReader() {}

    static Lineage read(Statement statement) {
        LineageReader r = new LineageReader();
        r.walk(statement);
        r.top(statement);
        return r.facts.build();
    }

    /** Every query block and every column reference in the statement, found by JSqlParser's own walker. */
    private void walk(Statement statement) {
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
                    facts.wholeRows.add(name(column.getColumnName()));
                } else {
                    facts.qualifiedRefs.add(name(column.getTable().getName()) + "." + name(column.getColumnName()));
                }
                return super.visit(column, context);
            }

            @Override
            public <S> Void visit(AllTableColumns star, S context) {
                if (seen.add(star)) {
                    facts.allStars.add(star);
                }
                return super.visit(star, context);
            }

            @Override
            public <S> Void visit(SetOperationList set, S context) {
                for (var op : set.getOperations()) {
                    String o = op.toString().toUpperCase(Locale.ROOT);
                    facts.comparesValues |= !o.contains("ALL");
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
            blocks.read(p);
        }
    }

    /** A CTE: a row source the statement names itself, and a data change when its body is one. */
    private void withItem(WithItem<?> item) {
        Set<String> rowNames = new HashSet<>();
        Set<String> columnNames = new HashSet<>();
        String cte = item.getAlias() == null ? null : name(item.getAlias().getName());
        if (cte != null) {
            rowNames.add(cte);
            facts.localNames.add(cte);
        }
        if (item.getWithItemList() != null) {
            item.getWithItemList().forEach(i -> columnNames.add(name(i.toString())));
        }
        Object body = item.getParenthesedStatement();
        facts.derive(rowNames, columnNames, names(String.valueOf(body)));
        if (body instanceof ParenthesedInsert i) {
            changes.read(i.getInsert());
        } else if (body instanceof ParenthesedUpdate u) {
            changes.read(u.getUpdate());
        } else if (body instanceof ParenthesedDelete d) {
            changes.read(d.getDelete());
        }
    }

    /** The statement's own result: its top-level query's columns, or its RETURNING list. */
    private void top(Statement statement) {
        facts.identifiers.addAll(names(statement.toString()));
        ResultColumns.Result r;
        if (statement instanceof Select select) {
            r = results.of(select);
        } else {
            ReturningClause returning = changes.read(statement);
            if (returning == null) {
                return;
            }
            r = results.items(returning, Set.of());
        }
        facts.outputs = r.columns();
        facts.outputSources = r.sources();
        facts.outputRows = r.rows();
    }
}
