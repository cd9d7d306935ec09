package dev.pgwarden.sidecar.sql;

import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.DateValue;
import net.sf.jsqlparser.expression.DoubleValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.HexValue;
import net.sf.jsqlparser.expression.IntervalExpression;
import net.sf.jsqlparser.expression.JdbcNamedParameter;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.TimeKeyExpression;
import net.sf.jsqlparser.expression.TimeValue;
import net.sf.jsqlparser.expression.TimestampValue;
import net.sf.jsqlparser.expression.UserVariable;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;

/**
 * Whether a condition of an UPDATE or DELETE holds a value from outside the row it tests: a
 * literal (not NULL, TRUE or FALSE), a parameter, a column of another table in scope, a function
 * of no column ({@code now()}, {@code current_user}), a subquery that reads a relation. A
 * comparison of the row with itself alone ({@code v LIKE v}, {@code int4eq(id, id)}) selects by
 * nothing, so it bounds nothing: see {@link WhereClauses}.
 */
final class OutsideValues extends ExpressionVisitorAdapter<Void> {
    /** SQL's value keywords, which can parse as unqualified column names. */
    static final Set<String> VALUE_KEYWORDS = Set.of(
            "current_user",
            "session_user",
            "current_role",
            "user",
            "current_catalog",
            "current_schema",
            "current_date",
            "current_time",
            "current_timestamp",
            "localtime",
            "localtimestamp");

    private final Set<String> target;
    private final boolean joined;
    private boolean found;

    private OutsideValues(Set<String> target, boolean joined) {
        this.target = target;
        this.joined = joined;
    }

    /**
     * @param target the changed table's name and alias
     * @param joined other tables are in scope, whose columns are outside values
     */
    static boolean in(Expression e, Set<String> target, boolean joined) {
        OutsideValues v = new OutsideValues(target, joined);
        e.accept(v, null);
        return v.found;
    }

    /**
     * Whether a condition selects by an outside value: a comparison when one of its sides is an
     * outside value and nothing of the row ({@code id = 5}, {@code lower(v) = $1}; not
     * {@code id = id + 0 * length(v)}), any other condition when it holds one anywhere
     * ({@code id IN (1, 2)}, {@code f(id, 5)}).
     *
     * @param ofTheRow whether an expression refers to the changed row
     */
    static boolean compared(
            Expression e, java.util.function.Predicate<Expression> ofTheRow, Set<String> target, boolean joined) {
        if (e instanceof net.sf.jsqlparser.expression.BinaryExpression b) {
            return pure(b.getLeftExpression(), ofTheRow, target, joined)
                    || pure(b.getRightExpression(), ofTheRow, target, joined);
        }
        return in(e, target, joined);
    }

    private static boolean pure(
            Expression side, java.util.function.Predicate<Expression> ofTheRow, Set<String> target, boolean joined) {
        return !ofTheRow.test(side) && in(side, target, joined);
    }

    private <S> Void outside() {
        found = true;
        return null;
    }

    @Override
    public <S> Void visit(LongValue value, S context) {
        return outside();
    }

    @Override
    public <S> Void visit(DoubleValue value, S context) {
        return outside();
    }

    @Override
    public <S> Void visit(StringValue value, S context) {
        return outside();
    }

    @Override
    public <S> Void visit(HexValue value, S context) {
        return outside();
    }

    @Override
    public <S> Void visit(DateValue value, S context) {
        return outside();
    }

    @Override
    public <S> Void visit(TimeValue value, S context) {
        return outside();
    }

    @Override
    public <S> Void visit(TimestampValue value, S context) {
        return outside();
    }

    @Override
    public <S> Void visit(IntervalExpression value, S context) {
        return outside();
    }

    @Override
    public <S> Void visit(TimeKeyExpression value, S context) {
        return outside();
    }

    @Override
    public <S> Void visit(JdbcParameter parameter, S context) {
        return outside();
    }

    @Override
    public <S> Void visit(JdbcNamedParameter parameter, S context) {
        return outside();
    }

    @Override
    public <S> Void visit(UserVariable variable, S context) {
        return outside(); // $1 may parse as one
    }

    @Override
    public <S> Void visit(Column column, S context) {
        String name = column.getColumnName().toLowerCase(Locale.ROOT);
        if (column.getTable() == null) {
            if (VALUE_KEYWORDS.contains(name) || joined) {
                // With other tables in scope an unqualified column may be theirs: taken as outside.
                found = true;
            }
        } else if (!target.contains(Identifiers.fold(column.getTable().getName()))) {
            found = true;
        }
        return null;
    }

    @Override
    public <S> Void visit(Function function, S context) {
        if (function.getParameters() == null || !WhereClauses.referencesColumn(function)) {
            return outside(); // now(), random(), current_setting('x'): no column of the row
        }
        return super.visit(function, context);
    }

    @Override
    public <S> Void visit(ParenthesedSelect select, S context) {
        return visitSelect(select.getSelect());
    }

    @Override
    public <S> Void visit(Select select, S context) {
        return visitSelect(select);
    }

    /** A subquery that reads a relation gives outside values; one with no FROM only echoes the row. */
    private Void visitSelect(Select select) {
        while (select instanceof ParenthesedSelect p) {
            select = p.getSelect();
        }
        if (!(select instanceof PlainSelect plain) || plain.getFromItem() != null) {
            found = true;
        }
        return null;
    }
}
