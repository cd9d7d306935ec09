package dev.pgwarden.sidecar.sql;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.BooleanValue;
import net.sf.jsqlparser.expression.CaseExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.expression.NotExpression;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.conditional.XorExpression;
import net.sf.jsqlparser.expression.operators.relational.Between;
import net.sf.jsqlparser.expression.operators.relational.ComparisonOperator;
import net.sf.jsqlparser.expression.operators.relational.ExistsExpression;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.expression.operators.relational.IsBooleanExpression;
import net.sf.jsqlparser.expression.operators.relational.IsDistinctExpression;
import net.sf.jsqlparser.expression.operators.relational.IsNullExpression;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;

/**
 * Decides whether an UPDATE or DELETE is bounded: whether its WHERE clause can select fewer than
 * all rows. Proving that in general is undecidable, so the rule errs towards "unbounded":
 * a condition bounds the statement only when it compares or tests a column of the rows being
 * changed, and is not a tautology of an obvious form.
 *
 * <ul>
 *   <li>no WHERE; {@code WHERE true}; any condition that references no column (such as
 *       {@code 1=1}, {@code 'a'<>'b'} or {@code EXISTS (SELECT 1)}): unbounded;
 *   <li>{@code a AND b}: bounded when either side is; {@code a OR b}: bounded when both are;
 *   <li>a comparison of an expression with itself ({@code id = id}) and {@code x IS NOT NULL}:
 *       unbounded;
 *   <li>a condition wrapped in {@code IS [NOT] TRUE/FALSE} or compared with {@code true} or
 *       {@code false} is the condition (or its opposite): {@code (id = id) IS TRUE} is unbounded;
 *   <li>a comparison, pattern, list or function bounds only with an outside value in it (a
 *       literal, a parameter, another table's column, a function of no column such as {@code now()},
 *       a subquery with a FROM): {@code v LIKE v}, {@code int4eq(id, id)}, {@code coalesce(id = id,
 *       true)}, {@code id IS DISTINCT FROM NULL}, {@code a = b} of two of the row's columns are
 *       unbounded; a boolean column and {@code IS NULL} test the row's own value and bound it;
 *   <li>a {@code CASE} expression: unbounded (its branches can make it true for every row in ways
 *       no syntax check follows);
 *   <li>{@code [NOT] EXISTS (subquery)}: bounded only when the subquery's WHERE refers to the
 *       changed table by its name or alias (a correlated subquery), and the subquery's own FROM
 *       does not reuse that name.
 * </ul>
 */
final class WhereClauses {
    private WhereClauses() {}

    /**
     * @param target the table being changed, whose name or alias a correlated subquery uses
     * @param joined other tables are in scope (UPDATE ... FROM, DELETE ... USING, MERGE's source):
     *     a condition then bounds the statement only through a column qualified by the changed
     *     table's name or alias ({@code p.id = 1} on the other table leaves every row of the changed
     *     one selected, and an unqualified name may be the other table's)
     */
    static boolean unbounded(Expression where, Table target, boolean joined) {
        return where == null || !bounded(where, new Scope(targetNames(target), joined));
    }

    /** The changed table's names, and whether other tables are in scope. */
    private record Scope(Set<String> names, boolean joined) {}

    private static boolean bounded(Expression e, Scope scope) {
        Set<String> target = scope.names();
        e = unwrap(e);
        if (e instanceof AndExpression and) {
            return bounded(and.getLeftExpression(), scope) || bounded(and.getRightExpression(), scope);
        }
        if (e instanceof OrExpression or) {
            return bounded(or.getLeftExpression(), scope) && bounded(or.getRightExpression(), scope);
        }
        if (e instanceof XorExpression) {
            return referencesTarget(e, scope);
        }
        if (e instanceof NotExpression not) {
            Expression inner = unwrap(not.getExpression());
            // NOT EXISTS (correlated) removes orphans; NOT EXISTS (uncorrelated) is all rows or none.
            if (inner instanceof ExistsExpression exists) {
                return correlated(exists, target);
            }
            // NOT of what is false for every row (id IS NULL on a key, id <> id) is true for every row.
            return !contradiction(inner) && referencesTarget(inner, scope);
        }
        if (e instanceof ExistsExpression exists) {
            // EXISTS (SELECT 1 WHERE cond) with no FROM is cond; an uncorrelated EXISTS is true for every row or none.
            if (exists.getRightExpression() instanceof ParenthesedSelect p
                    && p.getSelect() instanceof PlainSelect plain
                    && plain.getFromItem() == null) {
                return plain.getWhere() != null && bounded(plain.getWhere(), scope);
            }
            return correlated(exists, target);
        }
        if (e instanceof CaseExpression) {
            return false;
        }
        Truth test = truthTest(e);
        if (test != null && !tautology(e)) {
            // archived IS TRUE tests archived; archived = false tests NOT archived.
            return bounded(test.same() ? test.tested() : new NotExpression(test.tested()), scope);
        }
        if (e instanceof Column || e instanceof IsNullExpression) {
            // A test of the row's own value: WHERE archived, WHERE deleted_at IS NULL.
            return !tautology(e) && referencesTarget(e, scope);
        }
        // A comparison (or a function, a pattern, a list) bounds only with an outside value in it:
        // v LIKE v, int4eq(id, id), coalesce(id = id, true), id IS DISTINCT FROM NULL select every row.
        return !tautology(e)
                && referencesTarget(e, scope)
                && OutsideValues.compared(e, side -> referencesTarget(side, scope), scope.names(), scope.joined());
    }

    /** A column of the changed table outside subqueries (see {@link #unbounded} for joined scopes). */
    private static boolean referencesTarget(Expression e, Scope scope) {
        if (!scope.joined() || scope.names().isEmpty()) {
            return referencesColumn(e);
        }
        ColumnFinder finder = new ColumnFinder(scope.names());
        e.accept(finder, null);
        return finder.found;
    }

    /**
     * What a test of {@code e} against a truth value tests: {@code x IS TRUE}, {@code x IS NOT
     * FALSE}, {@code x = true}, {@code x <> false} test {@code x}; their opposites test its
     * negation. Null when {@code e} is no such test.
     */
    private static Truth truthTest(Expression e) {
        if (e instanceof IsBooleanExpression b) {
            return new Truth(b.getLeftExpression(), b.isTrue() != b.isNot());
        }
        if (e instanceof ComparisonOperator cmp) {
            String op = cmp.getStringExpression();
            boolean equal = op.equals("=") || op.equals("==");
            boolean differ = op.equals("<>") || op.equals("!=");
            if (!equal && !differ) {
                return null;
            }
            Boolean right = truthValue(cmp.getRightExpression());
            Boolean left = truthValue(cmp.getLeftExpression());
            if (right != null) {
                return new Truth(cmp.getLeftExpression(), right == equal);
            }
            if (left != null) {
                return new Truth(cmp.getRightExpression(), left == equal);
            }
        }
        return null;
    }

    /** @param same whether the test is true where {@code tested} is (else where it is false) */
    private record Truth(Expression tested, boolean same) {}

    /** TRUE or FALSE written as a literal (which may parse as a column named so), else null. */
    private static Boolean truthValue(Expression e) {
        e = unwrap(e);
        if (e instanceof BooleanValue b) {
            return b.getValue();
        }
        if (e instanceof Column c && c.getTable() == null) {
            String name = c.getColumnName().toLowerCase(Locale.ROOT);
            return name.equals("true") ? Boolean.TRUE : name.equals("false") ? Boolean.FALSE : null;
        }
        return null;
    }

    /**
     * True for every row that has values (or of a form that no syntax check can tell from that): a
     * column compared with an expression of that same column alone ({@code id = id}, {@code id = id + 0},
     * {@code id IN (id)}, {@code id IS NOT DISTINCT FROM id}), {@code x IS NOT NULL} in any spelling.
     * A pattern that matches everything ({@code v LIKE '%'}) is a literal's doing: classification
     * never depends on literals (one classification serves every statement of the same shape), so a
     * changesMoreThan rule's trial run is what catches it, as it catches {@code v LIKE $1}.
     */
    private static boolean tautology(Expression e) {
        e = unwrap(e);
        Truth test = truthTest(e);
        if (test != null) {
            return test.same() ? tautology(test.tested()) : contradiction(test.tested());
        }
        if (e instanceof NotExpression not) {
            return contradiction(unwrap(not.getExpression()));
        }
        if (e instanceof AndExpression and) {
            return tautology(and.getLeftExpression()) && tautology(and.getRightExpression());
        }
        if (e instanceof OrExpression or) {
            return tautology(or.getLeftExpression()) || tautology(or.getRightExpression());
        }
        if (e instanceof IsNullExpression isNull) {
            // IS NOT NULL, NOTNULL, NOT NULL
            return isNull.isNot() || isNull.isUseNotNull();
        }
        if (e instanceof IsDistinctExpression d) {
            return d.isNot() && sameColumns(d.getLeftExpression(), d.getRightExpression());
        }
        if (e instanceof ComparisonOperator cmp) {
            String op = cmp.getStringExpression();
            boolean reflexive = op.equals("=") || op.equals(">=") || op.equals("<=") || op.equals("==");
            return sameColumns(cmp.getLeftExpression(), cmp.getRightExpression())
                    && (reflexive
                            || !op.equals("<>") && !op.equals("!=") && !op.equals("<") && !op.equals(">")
                            || !cmp.getLeftExpression()
                                    .toString()
                                    .equalsIgnoreCase(cmp.getRightExpression().toString()));
        }
        if (e instanceof InExpression in && !in.isNot()) {
            Expression right = in.getRightExpression();
            if (right instanceof ExpressionList<?> list) {
                for (Expression item : list) {
                    if (sameColumns(in.getLeftExpression(), item)) {
                        return true;
                    }
                }
            }
            return false;
        }
        if (e instanceof Between between && !between.isNot()) {
            return sameColumns(between.getLeftExpression(), between.getBetweenExpressionStart())
                    || sameColumns(between.getLeftExpression(), between.getBetweenExpressionEnd());
        }
        return false;
    }

    /** False for every row: the opposites of {@link #tautology}'s forms that are plainly false. */
    private static boolean contradiction(Expression e) {
        e = unwrap(e);
        Truth test = truthTest(e);
        if (test != null) {
            return test.same() ? contradiction(test.tested()) : tautology(test.tested());
        }
        if (e instanceof NotExpression not) {
            return tautology(unwrap(not.getExpression()));
        }
        if (e instanceof ComparisonOperator cmp) {
            String op = cmp.getStringExpression();
            return (op.equals("<>") || op.equals("!=") || op.equals("<") || op.equals(">"))
                    && cmp.getLeftExpression()
                            .toString()
                            .equalsIgnoreCase(cmp.getRightExpression().toString());
        }
        if (e instanceof IsDistinctExpression d) {
            // x IS DISTINCT FROM x; x IS NOT DISTINCT FROM NULL, which is x IS NULL (see below).
            return !d.isNot()
                            && d.getLeftExpression()
                                    .toString()
                                    .equalsIgnoreCase(d.getRightExpression().toString())
                    || d.isNot() && unwrap(d.getRightExpression()) instanceof net.sf.jsqlparser.expression.NullValue;
        }
        if (e instanceof IsNullExpression isNull) {
            // id IS NULL is false for every row of a NOT NULL column: NOT (id IS NULL) selects them all.
            return !isNull.isNot() && !isNull.isUseNotNull();
        }
        return false;
    }

    /**
     * Both sides refer to the same columns, and one side refers to no others: {@code id} and
     * {@code id + 0}, {@code coalesce(id, 0)}, {@code id::text}. Comparing a column with a function
     * of itself selects rows by no outside value.
     */
    private static boolean sameColumns(Expression left, Expression right) {
        Set<String> l = columns(left);
        Set<String> r = columns(right);
        return !l.isEmpty() && l.equals(r);
    }

    private static Set<String> columns(Expression e) {
        ColumnFinder finder = new ColumnFinder(null);
        e.accept(finder, null);
        return finder.names;
    }

    private static Expression unwrap(Expression e) {
        while (true) {
            if (e instanceof Parenthesis p) {
                e = p.getExpression();
            } else if (e instanceof ParenthesedExpressionList<?> list && list.size() == 1) {
                e = list.get(0);
            } else {
                return e;
            }
        }
    }

    /** The name the changed table is referred to by: its alias when it has one (which hides its name). */
    private static Set<String> targetNames(Table target) {
        Set<String> names = new HashSet<>();
        if (target != null) {
            names.add(unquote(target.getAlias() != null ? target.getAlias().getName() : target.getName()));
        }
        return names;
    }

    /** The subquery's WHERE names a column of the changed table, through a name its FROM does not shadow. */
    private static boolean correlated(ExistsExpression exists, Set<String> target) {
        if (!(exists.getRightExpression() instanceof ParenthesedSelect sub)
                || !(sub.getSelect() instanceof PlainSelect plain)
                || plain.getWhere() == null) {
            return false;
        }
        Set<String> visible = new HashSet<>(target);
        List<FromItem> from = new ArrayList<>();
        from.add(plain.getFromItem());
        if (plain.getJoins() != null) {
            plain.getJoins().forEach(j -> from.add(j.getFromItem()));
        }
        for (FromItem item : from) {
            if (item instanceof Table t) {
                visible.remove(unquote(t.getName()));
            }
            if (item != null && item.getAlias() != null) {
                visible.remove(unquote(item.getAlias().getName()));
            }
        }
        if (visible.isEmpty()) {
            return false;
        }
        ColumnFinder finder = new ColumnFinder(visible);
        plain.getWhere().accept(finder, null);
        return finder.found;
    }

    private static String unquote(String name) {
        return name == null ? "" : Identifiers.fold(name);
    }

    /** A column reference outside subqueries (true, false and null can parse as names). */
    static boolean referencesColumn(Expression e) {
        ColumnFinder finder = new ColumnFinder(null);
        e.accept(finder, null);
        return finder.found;
    }

    /** Finds a column reference outside subqueries; with qualifiers given, only one qualified by them. */
    private static final class ColumnFinder extends ExpressionVisitorAdapter<Void> {
        private final Set<String> qualifiers;
        boolean found;
        final Set<String> names = new HashSet<>();

        ColumnFinder(Set<String> qualifiers) {
            this.qualifiers = qualifiers;
        }

        @Override
        public <S> Void visit(Column column, S context) {
            String name = column.getColumnName().toLowerCase(Locale.ROOT);
            if (qualifiers != null) {
                found |= column.getTable() != null
                        && qualifiers.contains(unquote(column.getTable().getName()));
            } else if (column.getTable() != null
                    || !(name.equals("true")
                            || name.equals("false")
                            || name.equals("null")
                            || OutsideValues.VALUE_KEYWORDS.contains(name))) {
                found = true;
                names.add(Identifiers.fold(column.getFullyQualifiedName()));
            }
            return null;
        }

        @Override
        public <S> Void visit(BooleanValue value, S context) {
            return null;
        }

        @Override
        public <S> Void visit(ParenthesedSelect select, S context) {
            return null;
        }

        @Override
        public <S> Void visit(Select select, S context) {
            return null;
        }
    }
}
