package dev.pgwarden.sidecar.sql;

import java.util.Locale;
import net.sf.jsqlparser.expression.BooleanValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.expression.NotExpression;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.conditional.XorExpression;
import net.sf.jsqlparser.expression.operators.relational.ComparisonOperator;
import net.sf.jsqlparser.expression.operators.relational.ExistsExpression;
import net.sf.jsqlparser.expression.operators.relational.IsNullExpression;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
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
 *       unbounded.
 * </ul>
 */
final class WhereClauses {
  private WhereClauses() {
  }

  static boolean unbounded(Expression where) {
    return where == null || !bounded(where);
  }

  private static boolean bounded(Expression e) {
    if (e instanceof Parenthesis p) {
      return bounded(p.getExpression());
    }
    if (e instanceof ParenthesedExpressionList<?> list && list.size() == 1) {
      return bounded(list.get(0));
    }
    if (e instanceof AndExpression and) {
      return bounded(and.getLeftExpression()) || bounded(and.getRightExpression());
    }
    if (e instanceof OrExpression or) {
      return bounded(or.getLeftExpression()) && bounded(or.getRightExpression());
    }
    if (e instanceof XorExpression) {
      return referencesColumn(e);
    }
    if (e instanceof NotExpression not) {
      return referencesColumn(not.getExpression());
    }
    if (e instanceof ComparisonOperator cmp) {
      String left = cmp.getLeftExpression().toString();
      String right = cmp.getRightExpression().toString();
      return !left.equalsIgnoreCase(right) && referencesColumn(e);
    }
    if (e instanceof IsNullExpression isNull) {
      return !isNull.isNot() && referencesColumn(e);
    }
    if (e instanceof ExistsExpression) {
      // Bounded only when correlated with the changed rows, which shows as a column reference
      // inside the subquery; an uncorrelated EXISTS is true for every row or for none.
      return referencesColumnDeep(e);
    }
    return referencesColumn(e);
  }

  /** A column reference outside subqueries (true, false and null can parse as names). */
  private static boolean referencesColumn(Expression e) {
    ColumnFinder finder = new ColumnFinder(false);
    e.accept(finder, null);
    return finder.found;
  }

  private static boolean referencesColumnDeep(Expression e) {
    ColumnFinder finder = new ColumnFinder(true);
    e.accept(finder, null);
    return finder.found;
  }

  private static final class ColumnFinder extends ExpressionVisitorAdapter<Void> {
    private final boolean intoSubqueries;
    boolean found;

    ColumnFinder(boolean intoSubqueries) {
      this.intoSubqueries = intoSubqueries;
    }

    @Override
    public <S> Void visit(Column column, S context) {
      String name = column.getColumnName().toLowerCase(Locale.ROOT);
      if (column.getTable() != null || !(name.equals("true") || name.equals("false") || name.equals("null"))) {
        found = true;
      }
      return null;
    }

    @Override
    public <S> Void visit(BooleanValue value, S context) {
      return null;
    }

    @Override
    public <S> Void visit(ParenthesedSelect select, S context) {
      return intoSubqueries ? super.visit(select, context) : null;
    }

    @Override
    public <S> Void visit(Select select, S context) {
      return intoSubqueries ? super.visit(select, context) : null;
    }
  }
}
