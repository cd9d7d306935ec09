package dev.pgwarden.sidecar.gate;

import dev.pgwarden.sidecar.policy.StatementPolicy;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What pgwarden's own count reads of the writes of the transaction so far, and of the tables
 * that exist: the rows inserted, updated and deleted in every user table (the backend's own
 * {@code pg_stat_get_xact_tuples_*} counters, which see what code, triggers, rules and cascades
 * change), how many permanent user tables there are and the sum of their oids, and the tables
 * whose catalog row the transaction itself has written, with the version of the row it wrote.
 *
 * <p>A {@code TRUNCATE} counts no row, but gives the table a new file, which writes its
 * {@code pg_class} row; so does a rewrite, a rename or any {@code ALTER}. A catalog row written by
 * this transaction is one whose {@code xmin} is a transaction still in progress that the statement
 * can see, which only the session's own can be: another session's TRUNCATE, committed or not,
 * never shows (its row is committed, or invisible). Each such row is listed with its {@code xmin}:
 * a trial runs in a subtransaction of its own, so a row it writes again (a TRUNCATE after a
 * {@code CLUSTER} earlier in the transaction) shows as a new version even when the table was on
 * the list before. A {@code DROP} leaves no row to look at, so the number of tables and the sum
 * of their oids are compared: another session's table created or dropped meanwhile changes them
 * too, and the trial then counts as over every limit rather than guess (a table committed by an
 * older transaction has an older oid, so the newest oid alone would not show it).
 *
 * <p>It reads only the backend's own memory and {@code pg_class}: an earlier version read
 * {@code pg_locks}, which takes every lock partition of the server and made a trialled write cost
 * twenty times an untrialled one under eight clients.
 *
 * @param changed rows changed so far
 * @param tables permanent user tables (ordinary, partitioned, materialized views) the statement sees
 * @param oids the sum of their oids (0 when there are none)
 * @param written {@code oid:xmin} of the permanent user tables whose catalog row this
 *     transaction has written
 */
record TableCounts(long changed, long tables, long oids, Set<String> written) {
    /**
     * The count. Every name, type and operator is schema-qualified, so that nothing on the agent's
     * search_path (an operator {@code +} of its own making) changes what it reads. {@code age} of
     * an xmin is at most zero only for transactions that started at or after this one got its
     * xid, so the status of only those few is looked up, as the 64-bit id {@code pg_xact_status}
     * takes (this transaction's own 64-bit id plus the 32-bit distance).
     */
    static final String SQL = "SELECT COALESCE(pg_catalog.sum(pg_catalog.pg_stat_get_xact_tuples_inserted(c.oid)"
            + " OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_tuples_updated(c.oid)"
            + " OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_tuples_deleted(c.oid)), 0)::pg_catalog.text,"
            + " pg_catalog.count(*) FILTER (WHERE c.relpersistence OPERATOR(pg_catalog.<>) 't')::pg_catalog.text,"
            + " COALESCE(pg_catalog.sum(c.oid::pg_catalog.int8) FILTER (WHERE c.relpersistence OPERATOR(pg_catalog.<>) 't'),"
            + " 0)::pg_catalog.text,"
            + " pg_catalog.string_agg(c.oid::pg_catalog.text OPERATOR(pg_catalog.||) ':'"
            + " OPERATOR(pg_catalog.||) c.xmin::pg_catalog.text, ',') FILTER (WHERE c.relpersistence OPERATOR(pg_catalog.<>) 't'"
            + " AND pg_catalog.age(c.xmin) OPERATOR(pg_catalog.<=) 0"
            + " AND pg_catalog.pg_xact_status((x.top OPERATOR(pg_catalog.+) (c.xmin::pg_catalog.text::pg_catalog.int8"
            + " OPERATOR(pg_catalog.-) (x.top OPERATOR(pg_catalog.&) 4294967295) OPERATOR(pg_catalog.+) 4294967296)"
            + " OPERATOR(pg_catalog.%) 4294967296)::pg_catalog.text::pg_catalog.xid8)"
            + " OPERATOR(pg_catalog.=) 'in progress')"
            + " FROM pg_catalog.pg_class c,"
            + " (SELECT pg_catalog.pg_current_xact_id_if_assigned()::pg_catalog.text::pg_catalog.int8 AS top) x"
            + " WHERE c.oid OPERATOR(pg_catalog.>=) 16384"
            + " AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,m,p}'::pg_catalog.\"char\"[])";

    /** The count as its row reads, or null when the row is not one (the count failed or was skipped). */
    static TableCounts of(List<String> row) {
        if (row.size() < 4 || row.get(0) == null || row.get(1) == null || row.get(2) == null) {
            return null;
        }
        try {
            Set<String> written = new HashSet<>();
            if (row.get(3) != null) {
                for (String relation : row.get(3).split(",")) {
                    int colon = relation.indexOf(':');
                    Long.parseLong(relation.substring(0, colon));
                    Long.parseLong(relation.substring(colon + 1));
                    written.add(relation);
                }
            }
            return new TableCounts(
                    Long.parseLong(row.get(0)), Long.parseLong(row.get(1)), Long.parseLong(row.get(2)), written);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Rows changed since {@code before}; {@link StatementPolicy#UNCOUNTED} when, since then, the
     * session has written the catalog row of a table (truncated, rewritten, altered or created
     * it), or a table is gone, or one was created so that a drop cannot be told apart: no row
     * count shows any of those.
     */
    long since(TableCounts before) {
        if (!before.written.containsAll(written) || tables != before.tables || oids != before.oids) {
            return StatementPolicy.UNCOUNTED;
        }
        return Math.max(0, changed - before.changed);
    }
}
