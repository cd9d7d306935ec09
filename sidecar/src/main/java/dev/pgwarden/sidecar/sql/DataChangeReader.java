package dev.pgwarden.sidecar.sql;

import static dev.pgwarden.sidecar.sql.LineageFacts.names;

import net.sf.jsqlparser.statement.ReturningClause;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.merge.Merge;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.update.UpdateSet;

/**
 * Reads a data-changing statement (INSERT, UPDATE, DELETE, MERGE, at the top or in a CTE) for its
 * lineage: what it reads, what it filters on, and which values it writes into a table.
 */
final class DataChangeReader {
    private final LineageFacts facts;
    private final QueryBlockReader blocks;
    private final ResultColumns results;

    DataChangeReader(LineageFacts facts, QueryBlockReader blocks, ResultColumns results) {
        this.facts = facts;
        this.blocks = blocks;
        this.results = results;
    }

    /** @return its RETURNING list, which is its result; null when it has none or is no data change */
    ReturningClause read(Statement s) {
        facts.identifiers.addAll(names(s.toString()));
        if (s instanceof Insert insert) {
            facts.relation(insert.getTable());
            if (insert.getSelect() != null) {
                ResultColumns.Result r = results.of(insert.getSelect());
                facts.copied.addAll(r.sources());
                facts.copiedRows.addAll(r.rows());
            }
            if (insert.getConflictAction() != null) {
                facts.copied.addAll(names(insert.getConflictAction().toString()));
            }
            return insert.getReturningClause();
        }
        if (s instanceof Update update) {
            facts.relation(update.getTable());
            blocks.fromItem(update.getFromItem());
            blocks.joins(update.getStartJoins());
            blocks.joins(update.getJoins());
            for (UpdateSet set : update.getUpdateSets()) {
                facts.copied.addAll(
                        names(set.getValues() == null ? null : set.getValues().toString()));
            }
            facts.predicates.addAll(names(update.getWhere()));
            return update.getReturningClause();
        }
        if (s instanceof Delete delete) {
            facts.relation(delete.getTable());
            if (delete.getUsingList() != null) {
                delete.getUsingList().forEach(facts::relation);
            }
            blocks.joins(delete.getJoins());
            facts.predicates.addAll(names(delete.getWhere()));
            return delete.getReturningClause();
        }
        if (s instanceof Merge merge) {
            facts.relation(merge.getTable());
            blocks.fromItem(merge.getFromItem());
            facts.predicates.addAll(names(merge.getOnCondition()));
            // Every WHEN clause may write a value from the source: all of them count as written.
            if (merge.getOperations() != null) {
                merge.getOperations().forEach(o -> facts.copied.addAll(names(o.toString())));
            }
            return merge.getReturningClause();
        }
        return null;
    }
}
