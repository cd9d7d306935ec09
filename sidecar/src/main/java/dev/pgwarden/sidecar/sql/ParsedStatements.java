package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import net.sf.jsqlparser.parser.CCJSqlParser;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.parser.ParseException;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.delete.ParenthesedDelete;
import net.sf.jsqlparser.statement.insert.ConflictActionType;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.insert.InsertConflictAction;
import net.sf.jsqlparser.statement.insert.ParenthesedInsert;
import net.sf.jsqlparser.statement.merge.Merge;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.statement.select.WithItem;
import net.sf.jsqlparser.statement.update.ParenthesedUpdate;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * Reads the structure of queries and data-changing statements with JSqlParser: the tables they
 * touch, their WHERE clauses, data-modifying CTEs and {@code SELECT ... INTO}. The parsed type must
 * agree with the statement's leading keyword; a disagreement means the parser read the text
 * differently from PostgreSQL, and the statement is treated as unparseable.
 */
final class ParsedStatements {
    private ParsedStatements() {}

    /** Thrown when JSqlParser cannot read the statement or reads it as something else. */
    static final class NotUnderstood extends Exception {
        /** JSqlParser rejected the syntax (not a timeout, not a disagreement on the statement's type). */
        final boolean syntax;

        NotUnderstood(String message) {
            this(message, false);
        }

        NotUnderstood(String message, boolean syntax) {
            super(message, null, false, false);
            this.syntax = syntax;
        }
    }

    /**
     * @param sql the statement as {@link ParserText} rewrote it
     * @param onParser receives the parser before it runs, so a watchdog can interrupt it
     */
    static void analyze(String sql, Facts facts, Consumer<CCJSqlParser> onParser) throws NotUnderstood {
        Statement statement = parse(sql, onParser);
        switch (facts.kind) {
            case SELECT -> {
                if (!(statement instanceof Select select)) {
                    throw disagreement(statement);
                }
                select(select, facts);
            }
            case INSERT -> {
                if (!(statement instanceof Insert insert)) {
                    throw disagreement(statement);
                }
                insert(insert, facts);
            }
            case UPDATE -> {
                if (!(statement instanceof Update update)) {
                    throw disagreement(statement);
                }
                update(update, facts);
            }
            case DELETE -> {
                if (!(statement instanceof Delete delete)) {
                    throw disagreement(statement);
                }
                delete(delete, facts);
            }
            case MERGE -> {
                if (!(statement instanceof Merge merge)) {
                    throw disagreement(statement);
                }
                withItems(merge.getWithItemsList(), facts);
                facts.writes.add(name(merge.getTable()));
                // The classifier has added UPDATE/DELETE for the WHEN clauses that change matched rows;
                // ON plays the part of their WHERE (MERGE ... ON true ... THEN DELETE empties the table).
                if (facts.effects.contains(StatementKind.UPDATE) || facts.effects.contains(StatementKind.DELETE)) {
                    facts.unbounded |= WhereClauses.unbounded(merge.getOnCondition(), merge.getTable(), true);
                }
            }
            default -> throw new IllegalArgumentException("not a parsed kind: " + facts.kind);
        }
        try {
            facts.lineage = LineageReader.read(statement);
        } catch (RuntimeException e) {
            // Left unknown: masking then treats every computed result column as derived from masked data.
            facts.lineage = null;
        }
        Set<String> tables = new TablesNamesFinder<Void>().getTables(statement);
        for (String t : tables) {
            if (!facts.writes.contains(t)) {
                facts.reads.add(t);
            }
        }
    }

    private static Statement parse(String sql, Consumer<CCJSqlParser> onParser) throws NotUnderstood {
        CCJSqlParser parser = CCJSqlParserUtil.newParser(sql).withAllowComplexParsing(true);
        onParser.accept(parser);
        try {
            Statement statement = parser.Statement();
            if (parser.interrupted) {
                throw new NotUnderstood("parsing took too long");
            }
            return statement;
        } catch (ParseException | RuntimeException e) {
            if (parser.interrupted) {
                throw new NotUnderstood("parsing took too long");
            }
            throw new NotUnderstood("the SQL parser could not read it: " + firstLine(e.getMessage()), true);
        } catch (Error e) {
            // JavaCC reports a few lexical failures as TokenMgrError; deep nesting can overflow the stack.
            throw new NotUnderstood(
                    "the SQL parser could not read it: " + e.getClass().getSimpleName(), true);
        }
    }

    private static void select(Select select, Facts facts) throws NotUnderstood {
        withItems(select.getWithItemsList(), facts);
        if (select instanceof PlainSelect plain) {
            into(plain, facts);
        } else if (select instanceof ParenthesedSelect parenthesed && parenthesed.getSelect() != null) {
            // "(WITH d AS (DELETE ...) SELECT ...)" is still a top-level statement: its CTEs run.
            select(parenthesed.getSelect(), facts);
        } else if (select instanceof SetOperationList set) {
            for (Select s : set.getSelects()) {
                select(s, facts);
            }
        }
    }

    /** {@code SELECT ... INTO t} creates a table. */
    private static void into(PlainSelect plain, Facts facts) {
        List<Table> into = plain.getIntoTables();
        if (into != null && !into.isEmpty()) {
            facts.effects.add(StatementKind.CREATE);
            into.forEach(t -> facts.writes.add(name(t)));
        }
    }

    private static void insert(Insert insert, Facts facts) throws NotUnderstood {
        withItems(insert.getWithItemsList(), facts);
        facts.writes.add(name(insert.getTable()));
        if (insert.getSelect() != null) {
            withItems(insert.getSelect().getWithItemsList(), facts);
        }
        // An upsert updates the rows it conflicts with (bounded by the conflict, so not "unbounded").
        InsertConflictAction conflict = insert.getConflictAction();
        if (conflict != null && conflict.getConflictActionType() == ConflictActionType.DO_UPDATE) {
            facts.effects.add(StatementKind.UPDATE);
        }
    }

    private static void update(Update update, Facts facts) throws NotUnderstood {
        withItems(update.getWithItemsList(), facts);
        facts.writes.add(name(update.getTable()));
        facts.unbounded |= WhereClauses.unbounded(
                update.getWhere(),
                update.getTable(),
                update.getFromItem() != null || update.getJoins() != null || update.getStartJoins() != null);
    }

    private static void delete(Delete delete, Facts facts) throws NotUnderstood {
        withItems(delete.getWithItemsList(), facts);
        facts.writes.add(name(delete.getTable()));
        facts.unbounded |= WhereClauses.unbounded(
                delete.getWhere(),
                delete.getTable(),
                delete.getUsingFromItemList() != null
                                && !delete.getUsingFromItemList().isEmpty()
                        || delete.getJoins() != null && !delete.getJoins().isEmpty());
    }

    /** Data-modifying CTEs run whatever the main statement does with their results. */
    private static void withItems(List<WithItem<?>> items, Facts facts) throws NotUnderstood {
        if (items == null) {
            return;
        }
        for (WithItem<?> item : items) {
            Object inner = item.getParenthesedStatement();
            if (inner instanceof ParenthesedDelete d) {
                facts.effects.add(StatementKind.DELETE);
                delete(d.getDelete(), facts);
            } else if (inner instanceof ParenthesedUpdate u) {
                facts.effects.add(StatementKind.UPDATE);
                update(u.getUpdate(), facts);
            } else if (inner instanceof ParenthesedInsert i) {
                facts.effects.add(StatementKind.INSERT);
                insert(i.getInsert(), facts);
            } else if (inner instanceof Select s) {
                select(s, facts);
            } else if (inner != null) {
                throw new NotUnderstood(
                        "unsupported WITH item " + inner.getClass().getSimpleName());
            }
        }
    }

    private static NotUnderstood disagreement(Statement statement) {
        return new NotUnderstood(
                "the SQL parser read it as " + statement.getClass().getSimpleName());
    }

    /** A table's name as written, each part folded: {@code "S".T} is {@code S.t}. */
    static String name(Table t) {
        if (t == null) {
            return "?";
        }
        List<String> parts = new ArrayList<>(t.getNameParts());
        Collections.reverse(parts);
        StringBuilder b = new StringBuilder();
        for (String part : parts) {
            if (!b.isEmpty()) {
                b.append('.');
            }
            b.append(part == null ? "" : Identifiers.fold(part));
        }
        return b.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no detail";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
