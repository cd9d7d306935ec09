package dev.pgwarden.sidecar.gate;

import dev.pgwarden.sidecar.policy.StatementPolicy;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What pgwarden's own count reads of the writes of the transaction so far: the rows inserted,
 * updated and deleted in every user table ({@code pg_stat_xact_user_tables}, which sees what
 * code, triggers, rules and cascades change), and the tables the session holds an ACCESS EXCLUSIVE
 * lock on. A {@code TRUNCATE} counts no row, but takes that lock until the transaction ends, as a
 * rewrite or a DROP does. Both are the session's own: no other session's work shows in them (a
 * catalog read would show another session's committed TRUNCATE too).
 *
 * @param changed rows changed so far
 * @param exclusive the tables (not temporary ones) the session holds ACCESS EXCLUSIVE
 */
record TableCounts(long changed, Set<Long> exclusive) {
    /**
     * The count: every name and operator schema-qualified, so that nothing on the agent's
     * search_path (an operator {@code +} of its own making) changes what it reads.
     */
    static final String SQL = "SELECT COALESCE(pg_catalog.sum(n_tup_ins OPERATOR(pg_catalog.+) n_tup_upd"
            + " OPERATOR(pg_catalog.+) n_tup_del), 0)::pg_catalog.text,"
            + " (SELECT pg_catalog.string_agg(l.relation::pg_catalog.text, ',') FROM pg_catalog.pg_locks l"
            + " WHERE l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()"
            + " AND l.locktype OPERATOR(pg_catalog.=) 'relation'"
            + " AND l.mode OPERATOR(pg_catalog.=) 'AccessExclusiveLock' AND l.granted"
            + " AND NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) l.relation"
            + " AND (c.relpersistence OPERATOR(pg_catalog.=) 't' OR NOT (c.relkind OPERATOR(pg_catalog.=) 'r'"
            + " OR c.relkind OPERATOR(pg_catalog.=) 'm' OR c.relkind OPERATOR(pg_catalog.=) 'p'))))"
            + " FROM pg_catalog.pg_stat_xact_user_tables";

    /** The count as its row reads, or null when the row is not one (the count failed or was skipped). */
    static TableCounts of(List<String> row) {
        if (row.isEmpty() || row.get(0) == null) {
            return null;
        }
        try {
            Set<Long> exclusive = new HashSet<>();
            if (row.size() > 1 && row.get(1) != null) {
                for (String relation : row.get(1).split(",")) {
                    exclusive.add(Long.parseLong(relation));
                }
            }
            return new TableCounts(Long.parseLong(row.get(0)), exclusive);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Rows changed since {@code before}; {@link StatementPolicy#UNCOUNTED} when the session has
     * taken an ACCESS EXCLUSIVE lock on a table since (truncated, rewritten or dropped it), which
     * no row count shows.
     */
    long since(TableCounts before) {
        if (!before.exclusive.containsAll(exclusive)) {
            return StatementPolicy.UNCOUNTED;
        }
        return Math.max(0, changed - before.changed);
    }
}
