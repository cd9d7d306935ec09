package dev.pgwarden.sidecar.masking.catalog;

import dev.pgwarden.sidecar.masking.plan.CatalogSnapshot;
import dev.pgwarden.sidecar.masking.plan.MaskRules;
import dev.pgwarden.sidecar.masking.plan.MaskedColumn;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import dev.pgwarden.sidecar.upstream.UpstreamJdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads from the database which result columns carry masked values, on a connection of its own
 * (same role, same TLS as the sessions), off the event loops. A snapshot is replaced in the
 * background every {@link #PERIOD_SECONDS}s; after an agent's DDL the sessions wait for a new one
 * ({@link #invalidate}), since a new view or a renamed column changes what must be masked.
 */
public final class MaskCatalog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MaskCatalog.class);
    static final long PERIOD_SECONDS = 30;

    /** Read at every (re)connect: the role's credentials rotate while the sidecar runs. */
    private final java.util.function.Supplier<UpstreamConfig> upstream;

    private final MaskRules rules;
    private final ViewTaint views;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgwarden-catalog");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong wanted = new AtomicLong(1);
    private volatile CatalogSnapshot snapshot;
    private CompletableFuture<CatalogSnapshot> loading;
    private Connection connection;

    MaskCatalog(UpstreamConfig upstream, MaskRules rules) {
        this(() -> upstream, rules);
    }

    public MaskCatalog(java.util.function.Supplier<UpstreamConfig> upstream, MaskRules rules) {
        this.upstream = upstream;
        this.rules = rules;
        this.views = new ViewTaint(rules);
    }

    /** Loads the first snapshot in the background and keeps it current. */
    public void start() {
        refresh();
        worker.scheduleWithFixedDelay(() -> refresh(), PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
    }

    /** The snapshot, if it reflects every DDL reported so far; else null (wait for {@link #refresh}). */
    public CatalogSnapshot current() {
        CatalogSnapshot s = snapshot;
        return s != null && s.generation() >= wanted.get() ? s : null;
    }

    /** The newest snapshot, current or not; null before the first load. */
    public CatalogSnapshot latest() {
        return snapshot;
    }

    /** DDL happened: statements decided from now on need a snapshot read after it. */
    public void invalidate() {
        wanted.incrementAndGet();
    }

    /** A snapshot at least as new as the last {@link #invalidate}; fails when the database cannot be read. */
    public synchronized CompletableFuture<CatalogSnapshot> refresh() {
        long generation = wanted.get();
        if (loading != null && !loading.isDone()) {
            return loading.thenCompose(
                    s -> s.generation() >= generation ? CompletableFuture.completedFuture(s) : refresh());
        }
        CompletableFuture<CatalogSnapshot> f = new CompletableFuture<>();
        loading = f;
        try {
            worker.execute(() -> load(generation, f));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // A policy reload retired this catalog; a session that has not moved to the new one yet
            // gets a failure (its statement is refused) rather than an exception on its event loop.
            f.completeExceptionally(new IllegalStateException("the masking catalog was replaced by a policy reload"));
        }
        return f;
    }

    /** Reads of the catalog that meet a table dropped while they ran, tried again before failing. */
    private static final int ATTEMPTS = 3;

    private void load(long generation, CompletableFuture<CatalogSnapshot> f) {
        try {
            CatalogSnapshot s = null;
            for (int attempt = 1; s == null; attempt++) {
                try {
                    s = load(generation);
                } catch (SQLException e) {
                    if (attempt >= ATTEMPTS || !droppedMeanwhile(e)) {
                        throw e;
                    }
                    LOG.debug("the catalog changed while it was read ({}); reading it again", e.getMessage());
                    closeConnection();
                }
            }
            snapshot = s;
            f.complete(s);
        } catch (SQLException | RuntimeException e) {
            LOG.warn("cannot read the catalog for masking: {}", e.getMessage());
            closeConnection();
            f.completeExceptionally(e);
        }
    }

    /**
     * A relation the read saw in the catalog was dropped before a function of it ran (DDL of
     * another session, committed while the read went on): PostgreSQL reports an internal error
     * whose message says so. The next read sees the catalog without it.
     */
    static boolean droppedMeanwhile(SQLException e) {
        String message = e.getMessage();
        return "XX000".equals(e.getSQLState())
                && message != null
                && (message.contains("could not open relation with OID") || message.contains("cache lookup failed"));
    }

    // ---------------------------------------------------------------- loading

    private CatalogSnapshot load(long generation) throws SQLException {
        Connection c = connection();
        try (Statement tx = c.createStatement()) {
            // One consistent view of the catalog for all the queries below.
            tx.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        }
        try {
            Map<Integer, String[]> relations = CatalogQueries.relations(c);
            Set<String> relationNames = new HashSet<>();
            Set<Integer> relationOids = relations.keySet();
            for (String[] r : relations.values()) {
                relationNames.add(r[1]);
                relationNames.add(r[0] + "." + r[1]);
            }
            // Masked column names per relation OID: the policy's tables, then their inheritance children.
            Map<Integer, Map<String, MaskedColumn>> masked = new HashMap<>();
            for (MaskedColumn m : rules.columns()) {
                for (Map.Entry<Integer, String[]> r : relations.entrySet()) {
                    if (r.getValue()[0].equals(m.schema()) && r.getValue()[1].equals(m.table())) {
                        masked.computeIfAbsent(r.getKey(), k -> new LinkedHashMap<>())
                                .put(m.column(), m);
                    }
                }
            }
            CatalogQueries.inheritanceChildren(c, masked);
            CatalogQueries.inheritanceParents(c, masked);
            Map<Long, CatalogSnapshot.Attribute> attributes = new HashMap<>();
            CatalogQueries.attributes(c, masked, attributes);
            Map<Integer, String> userFunctions = CatalogQueries.userFunctions(c);
            Set<String> functionNames = Set.copyOf(userFunctions.values());
            Map<String, Map<String, MaskedColumn>> tainted = new HashMap<>();
            masked.forEach((oid, cols) -> ViewTaint.put(tainted, relations.get(oid), cols));
            Map<String, Set<String>> columns = CatalogQueries.columnNames(c, masked.keySet(), relations);
            views.addViews(c, relations, relationNames, masked, userFunctions, tainted, columns, attributes);
            maskWhole(CatalogQueries.statisticsViews(c), relations, tainted, attributes);
            Set<String> schemas = new HashSet<>();
            rules.columns().forEach(m -> schemas.add(m.schema()));
            Set<String> maskedTables = new HashSet<>();
            masked.keySet().forEach(oid -> ViewTaint.names(relations.get(oid), maskedTables));
            Set<String> maskedViews = new HashSet<>(tainted.keySet());
            maskedViews.removeAll(maskedTables);
            // A function that reads the statistics reads sample values of the masked columns.
            for (String statistics : dev.pgwarden.sidecar.masking.plan.MaskPlanner.SAMPLES_VALUES) {
                maskedViews.add(statistics);
                maskedViews.add("pg_catalog." + statistics);
            }
            Map<String, String> returnsMasked = FunctionReads.mayReturnMasked(
                    CatalogQueries.userFunctionBodies(c),
                    maskedTables,
                    maskedViews,
                    CatalogQueries.databaseMasks(c, masked));
            // A table whose default, generated column, trigger, index or CHECK calls such a function
            // gets its values without naming it: every column of it is masked.
            List<Integer> leaking = new java.util.ArrayList<>();
            userFunctions.forEach((oid, name) -> {
                if (returnsMasked.containsKey(name)) {
                    leaking.add(oid);
                }
            });
            maskWhole(CatalogQueries.tablesRunning(c, leaking), relations, tainted, attributes);
            return new CatalogSnapshot(
                    generation,
                    Map.copyOf(attributes),
                    Set.copyOf(relationOids),
                    Map.copyOf(tainted),
                    Map.copyOf(columns),
                    Set.copyOf(schemas),
                    Set.copyOf(relationNames),
                    functionNames,
                    Map.copyOf(returnsMasked));
        } finally {
            try (Statement tx = c.createStatement()) {
                tx.execute("ROLLBACK");
            }
        }
    }

    /**
     * Relations whose every column is masked, with the strictest strategy of the policy: views a
     * DBA made over the statistics (sample values of masked columns), tables whose own code calls a
     * function that may return masked values.
     */
    private void maskWhole(
            Map<Integer, Map<String, Integer>> whole,
            Map<Integer, String[]> relations,
            Map<String, Map<String, MaskedColumn>> tainted,
            Map<Long, CatalogSnapshot.Attribute> attributes) {
        if (rules.columns().isEmpty()) {
            return;
        }
        dev.pgwarden.api.v1alpha1.MaskStrategy strategy = rules.strictestDerived();
        for (Map.Entry<Integer, Map<String, Integer>> relation : whole.entrySet()) {
            String[] name = relations.get(relation.getKey());
            if (name == null) {
                continue;
            }
            Map<String, MaskedColumn> cols = new LinkedHashMap<>();
            relation.getValue().forEach((column, attnum) -> {
                cols.put(column, new MaskedColumn(name[0], name[1], column, strategy, false));
                attributes.put(
                        CatalogSnapshot.key(relation.getKey(), attnum),
                        new CatalogSnapshot.Attribute(column, strategy));
            });
            ViewTaint.put(tainted, name, cols);
        }
    }

    // ---------------------------------------------------------------- connection

    private Connection connection() throws SQLException {
        if (connection != null && !connection.isClosed()) {
            return connection;
        }
        connection = UpstreamJdbc.connect(this.upstream.get(), "pgwarden-catalog", 30);
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Replaced at the next load.
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
        closeConnection();
    }
}
