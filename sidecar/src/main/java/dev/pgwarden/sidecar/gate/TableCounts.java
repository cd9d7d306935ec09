package dev.pgwarden.sidecar.gate;

import dev.pgwarden.sidecar.policy.StatementPolicy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What pgwarden's own count reads of the writes of the transaction so far: the rows inserted,
 * updated and deleted in every user table ({@code pg_stat_xact_user_tables}, which sees what
 * code, triggers, rules and cascades change), and the file each user table's rows are in. A
 * {@code TRUNCATE} counts no row, but gives the table a new file, as any rewrite does.
 *
 * @param changed rows changed so far
 * @param files each user table's file, by table
 */
record TableCounts(long changed, Map<Long, Long> files) {
    /**
     * The count: every name and operator schema-qualified, so that nothing on the agent's
     * search_path (an operator {@code +} of its own making) changes what it reads.
     */
    static final String SQL = "SELECT COALESCE(pg_catalog.sum(n_tup_ins OPERATOR(pg_catalog.+) n_tup_upd"
            + " OPERATOR(pg_catalog.+) n_tup_del), 0)::pg_catalog.text,"
            + " (SELECT pg_catalog.string_agg(c.oid::pg_catalog.text OPERATOR(pg_catalog.||) ':'"
            + " OPERATOR(pg_catalog.||) c.relfilenode::pg_catalog.text, ',') FROM pg_catalog.pg_class c"
            + " WHERE (c.relkind OPERATOR(pg_catalog.=) 'r' OR c.relkind OPERATOR(pg_catalog.=) 'm')"
            + " AND c.relpersistence OPERATOR(pg_catalog.<>) 't'"
            + " AND c.oid OPERATOR(pg_catalog.>=) 16384::pg_catalog.oid)"
            + " FROM pg_catalog.pg_stat_xact_user_tables";

    /** The count as its row reads, or null when the row is not one (the count failed or was skipped). */
    static TableCounts of(List<String> row) {
        if (row.isEmpty() || row.get(0) == null) {
            return null;
        }
        try {
            Map<Long, Long> files = new HashMap<>();
            if (row.size() > 1 && row.get(1) != null) {
                for (String pair : row.get(1).split(",")) {
                    int colon = pair.indexOf(':');
                    files.put(Long.parseLong(pair.substring(0, colon)), Long.parseLong(pair.substring(colon + 1)));
                }
            }
            return new TableCounts(Long.parseLong(row.get(0)), files);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Rows changed since {@code before}; {@link StatementPolicy#UNCOUNTED} when a table that existed
     * then has a new file now (truncated, or rewritten), which no row count shows.
     */
    long since(TableCounts before) {
        for (Map.Entry<Long, Long> file : before.files.entrySet()) {
            Long now = files.get(file.getKey());
            if (now != null && !now.equals(file.getValue())) {
                return StatementPolicy.UNCOUNTED;
            }
        }
        return Math.max(0, changed - before.changed);
    }
}
