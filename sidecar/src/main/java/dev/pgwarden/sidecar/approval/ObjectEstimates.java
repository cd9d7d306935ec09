package dev.pgwarden.sidecar.approval;

import dev.pgwarden.api.v1alpha1.ObjectEstimate;
import dev.pgwarden.sidecar.sql.DropTargets;
import dev.pgwarden.sidecar.sql.DropTargets.Target;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import dev.pgwarden.sidecar.upstream.UpstreamJdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Reads from the catalog what a DROP or TRUNCATE held for approval would remove or empty: the
 * planner's row estimates and the size on disk of each relation it names, its partitions and
 * inheritance children included, or of every table of a schema or a role. A reviewer weighs a
 * request by it; the verdict never depends on it.
 *
 * <p>The read runs on a connection of its own, as the session's role, off the event loops, so it
 * cannot disturb the session's transaction; it therefore does not see the session's temporary
 * tables or what its open transaction created, and resolves unqualified names on the role's own
 * {@code search_path}. A target it cannot read gets a note saying so instead of figures.
 */
public final class ObjectEstimates {
    /** Seconds an estimate may take, connection included: a request waits for it. */
    static final int TIMEOUT_SECONDS = 5;

    private static final String RELATION = """
            WITH RECURSIVE target AS (SELECT pg_catalog.to_regclass(?) AS oid),
            tree(oid) AS (
              SELECT oid FROM target WHERE oid IS NOT NULL
              UNION ALL
              SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN tree t ON i.inhparent = t.oid WHERE NOT ?)
            SELECT (SELECT oid::pg_catalog.regclass::text FROM target),
              (SELECT c.relkind::text FROM pg_catalog.pg_class c JOIN target ON c.oid = target.oid),
              count(c.oid)::int,
              sum(c.reltuples) FILTER (WHERE c.relkind IN ('r', 'm') AND c.reltuples >= 0)::bigint,
              count(c.oid) FILTER (WHERE c.relkind IN ('r', 'm') AND c.reltuples < 0)::int,
              sum(pg_catalog.pg_total_relation_size(c.oid))::bigint
            FROM tree t JOIN pg_catalog.pg_class c ON c.oid = t.oid""";

    private static final String SCHEMA = """
            SELECT n.nspname::text, 'schema', count(c.oid)::int,
              sum(c.reltuples) FILTER (WHERE c.relkind IN ('r', 'm') AND c.reltuples >= 0)::bigint,
              count(c.oid) FILTER (WHERE c.relkind IN ('r', 'm') AND c.reltuples < 0)::int,
              sum(pg_catalog.pg_total_relation_size(c.oid))::bigint
            FROM pg_catalog.pg_namespace n
              LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'm', 'p', 'f')
            WHERE n.oid = pg_catalog.to_regnamespace(?)
            GROUP BY n.nspname""";

    private static final String OWNED = """
            SELECT r.rolname::text, 'owned', count(c.oid)::int,
              sum(c.reltuples) FILTER (WHERE c.relkind IN ('r', 'm') AND c.reltuples >= 0)::bigint,
              count(c.oid) FILTER (WHERE c.relkind IN ('r', 'm') AND c.reltuples < 0)::int,
              sum(pg_catalog.pg_total_relation_size(c.oid))::bigint
            FROM pg_catalog.pg_roles r
              LEFT JOIN pg_catalog.pg_class c ON c.relowner = r.oid AND c.relkind IN ('r', 'm', 'p', 'f')
            WHERE r.oid = CASE WHEN ?::text IS NULL
              THEN (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
              ELSE pg_catalog.to_regrole(?) END
            GROUP BY r.rolname""";

    private static final String DATABASE = """
            SELECT d.datname::text, 'database', NULL::int, NULL::bigint, 0, pg_catalog.pg_database_size(d.oid)
            FROM pg_catalog.pg_database d WHERE d.datname = ?::name""";

    /** What {@code pg_class.relkind} says a relation is, for the reviewer's line. */
    private static final Map<String, String> RELATION_KINDS = Map.of(
            "r", "table",
            "p", "partitioned table",
            "m", "materialized view",
            "v", "view",
            "i", "index",
            "I", "partitioned index",
            "S", "sequence",
            "f", "foreign table");

    private final Supplier<UpstreamConfig> upstream;
    private final Executor blockingWork;

    public ObjectEstimates(Supplier<UpstreamConfig> upstream, Executor blockingWork) {
        this.upstream = upstream;
        this.blockingWork = blockingWork;
    }

    /** Estimates for the targets, in their order; never fails (a target that cannot be read gets a note). */
    public CompletableFuture<List<ObjectEstimate>> estimate(List<Target> targets) {
        if (targets.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        CompletableFuture<List<ObjectEstimate>> f = new CompletableFuture<>();
        try {
            blockingWork.execute(() -> f.complete(read(targets)));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.complete(unavailable(targets, "the proxy is shutting down"));
        }
        return f;
    }

    private List<ObjectEstimate> read(List<Target> targets) {
        try (Connection c = UpstreamJdbc.connect(upstream.get(), "pgwarden-estimates", TIMEOUT_SECONDS)) {
            List<ObjectEstimate> out = new ArrayList<>();
            for (Target t : targets) {
                out.add(one(c, t));
            }
            return out;
        } catch (SQLException | RuntimeException e) {
            return unavailable(targets, "cannot read the catalog: " + e.getMessage());
        }
    }

    private static ObjectEstimate one(Connection c, Target t) {
        try (PreparedStatement s = c.prepareStatement(
                switch (t.kind()) {
                    case RELATION -> RELATION;
                    case SCHEMA -> SCHEMA;
                    case OWNED -> OWNED;
                    case DATABASE -> DATABASE;
                })) {
            s.setQueryTimeout(TIMEOUT_SECONDS);
            switch (t.kind()) {
                case RELATION -> {
                    s.setString(1, (t.schema() == null ? "" : quoted(t.schema()) + ".") + quoted(t.name()));
                    s.setBoolean(2, t.only());
                }
                case SCHEMA -> s.setString(1, quoted(t.name()));
                case OWNED -> {
                    s.setObject(1, t.name() == null ? null : quoted(t.name()), Types.VARCHAR);
                    s.setObject(2, t.name() == null ? null : quoted(t.name()), Types.VARCHAR);
                }
                case DATABASE -> s.setString(1, t.name());
            }
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next() || rs.getString(1) == null) {
                    return new ObjectEstimate(label(t, null, null), null, null, null, null, notFound(t));
                }
                String name = rs.getString(1);
                Integer relations = (Integer) rs.getObject(3);
                // A schema or role with no tables holds no rows; a table never analyzed has no estimate.
                Long rows = relations != null && relations == 0 ? Long.valueOf(0) : (Long) rs.getObject(4);
                int unanalyzed = rs.getInt(5);
                Long bytes = (Long) rs.getObject(6);
                String note = null;
                if (unanalyzed > 0) {
                    note = unanalyzed + (unanalyzed == 1 ? " table was" : " tables were")
                            + " never analyzed: their rows are not in the estimate";
                }
                if (t.kind() == DropTargets.Kind.RELATION && t.only()) {
                    note = note == null ? "ONLY: children left alone" : note + "; ONLY: children left alone";
                }
                return new ObjectEstimate(
                        label(t, name, rs.getString(2)), name, relations, rows, bytes == null ? 0L : bytes, note);
            }
        } catch (SQLException e) {
            return new ObjectEstimate(label(t, null, null), null, null, null, null, "no estimate: " + e.getMessage());
        }
    }

    private static List<ObjectEstimate> unavailable(List<Target> targets, String why) {
        return targets.stream()
                .map(t -> new ObjectEstimate(label(t, null, null), null, null, null, null, "no estimate: " + why))
                .toList();
    }

    /** {@code table app.orders}, {@code schema sales}: as the catalog names it, else as written. */
    private static String label(Target t, String found, String relkind) {
        String written = t.name() == null ? "current_user" : (t.schema() == null ? "" : t.schema() + ".") + t.name();
        String name = found != null ? found : written;
        return switch (t.kind()) {
            case RELATION ->
                (relkind == null ? "relation" : RELATION_KINDS.getOrDefault(relkind, "relation")) + " " + name;
            case SCHEMA -> "schema " + name;
            case OWNED -> "objects owned by " + name;
            case DATABASE -> "database " + name;
        };
    }

    private static String notFound(Target t) {
        return switch (t.kind()) {
            case RELATION ->
                "not found by pgwarden's catalog read: a temporary table, one created in the session's open"
                        + " transaction, or a name the session's search_path resolves elsewhere";
            case SCHEMA -> "no such schema in the catalog";
            case OWNED -> "no such role";
            case DATABASE -> "no such database";
        };
    }

    /** A name as a quoted identifier: it is already resolved, so quoting keeps it exactly. */
    private static String quoted(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
