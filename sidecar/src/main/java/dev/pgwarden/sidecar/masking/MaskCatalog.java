package dev.pgwarden.sidecar.masking;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.api.v1alpha1.SslMode;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.StatementClassifier;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
  private final MaskPlanner planner;
  private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "pgwarden-catalog");
    t.setDaemon(true);
    return t;
  });
  private final AtomicLong wanted = new AtomicLong(1);
  private volatile CatalogSnapshot snapshot;
  private CompletableFuture<CatalogSnapshot> loading;
  private Connection connection;

  public MaskCatalog(UpstreamConfig upstream, MaskRules rules) {
    this(() -> upstream, rules);
  }

  public MaskCatalog(java.util.function.Supplier<UpstreamConfig> upstream, MaskRules rules) {
    this.upstream = upstream;
    this.rules = rules;
    this.planner = new MaskPlanner(rules);
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
      return loading.thenCompose(s -> s.generation() >= generation ? CompletableFuture.completedFuture(s) : refresh());
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

  private void load(long generation, CompletableFuture<CatalogSnapshot> f) {
    try {
      CatalogSnapshot s = load(generation);
      snapshot = s;
      f.complete(s);
    } catch (SQLException | RuntimeException e) {
      LOG.warn("cannot read the catalog for masking: {}", e.getMessage());
      closeConnection();
      f.completeExceptionally(e);
    }
  }

  // ---------------------------------------------------------------- loading

  private CatalogSnapshot load(long generation) throws SQLException {
    Connection c = connection();
    try (Statement tx = c.createStatement()) {
      // One consistent view of the catalog for all the queries below.
      tx.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    }
    try {
      Map<Integer, String[]> relations = relations(c);
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
            masked.computeIfAbsent(r.getKey(), k -> new LinkedHashMap<>()).put(m.column(), m);
          }
        }
      }
      inheritanceChildren(c, masked);
      Map<Long, CatalogSnapshot.Attribute> attributes = new HashMap<>();
      attributes(c, masked, attributes);
      Map<Integer, String> userFunctions = userFunctions(c);
      Set<String> functionNames = Set.copyOf(userFunctions.values());
      Map<String, Map<String, MaskedColumn>> tainted = new HashMap<>();
      masked.forEach((oid, cols) -> putTainted(tainted, relations.get(oid), cols));
      Map<String, Set<String>> columns = columnNames(c, masked.keySet(), relations);
      views(c, relations, masked, tainted, columns, attributes, relationOids, relationNames, userFunctions);
      Set<String> schemas = new HashSet<>();
      rules.columns().forEach(m -> schemas.add(m.schema()));
      return new CatalogSnapshot(generation, Map.copyOf(attributes), Set.copyOf(relationOids), Map.copyOf(tainted),
          Map.copyOf(columns), Set.copyOf(schemas), Set.copyOf(relationNames), functionNames);
    } finally {
      try (Statement tx = c.createStatement()) {
        tx.execute("ROLLBACK");
      }
    }
  }

  private static Map<Integer, String[]> relations(Connection c) throws SQLException {
    Map<Integer, String[]> out = new HashMap<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')")) {
      while (rs.next()) {
        out.put((int) rs.getLong(1), new String[] {rs.getString(2), rs.getString(3)});
      }
    }
    return out;
  }

  /** Partitions and inheritance children hold the same columns: selecting from them directly is masked too. */
  private static void inheritanceChildren(Connection c, Map<Integer, Map<String, MaskedColumn>> masked)
      throws SQLException {
    if (masked.isEmpty()) {
      return;
    }
    try (PreparedStatement s = c.prepareStatement(
        "WITH RECURSIVE kids(root, child) AS (SELECT inhparent, inhrelid FROM pg_inherits WHERE inhparent = ANY(?)"
            + " UNION SELECT k.root, i.inhrelid FROM kids k JOIN pg_inherits i ON i.inhparent = k.child)"
            + " SELECT root, child FROM kids")) {
      s.setArray(1, c.createArrayOf("oid", masked.keySet().toArray()));
      try (ResultSet rs = s.executeQuery()) {
        Map<Integer, Map<String, MaskedColumn>> children = new HashMap<>();
        while (rs.next()) {
          int root = (int) rs.getLong(1);
          int child = (int) rs.getLong(2);
          children.computeIfAbsent(child, k -> new LinkedHashMap<>()).putAll(masked.get(root));
        }
        children.forEach((child, cols) -> masked.merge(child, cols, (a, b) -> {
          a.putAll(b);
          return a;
        }));
      }
    }
  }

  private static void attributes(Connection c, Map<Integer, Map<String, MaskedColumn>> masked,
      Map<Long, CatalogSnapshot.Attribute> out) throws SQLException {
    if (masked.isEmpty()) {
      return;
    }
    try (PreparedStatement s = c.prepareStatement("SELECT attrelid, attname, attnum FROM pg_attribute"
        + " WHERE attrelid = ANY(?) AND attnum > 0 AND NOT attisdropped")) {
      s.setArray(1, c.createArrayOf("oid", masked.keySet().toArray()));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          int rel = (int) rs.getLong(1);
          MaskedColumn m = masked.get(rel).get(rs.getString(2));
          if (m != null) {
            out.put(CatalogSnapshot.key(rel, rs.getInt(3)), new CatalogSnapshot.Attribute(m.qualifiedName(), m.strategy()));
          }
        }
      }
    }
  }

  private static Map<Integer, String> userFunctions(Connection c) throws SQLException {
    Map<Integer, String> out = new HashMap<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT p.oid, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            + " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
            + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass"
            + " AND d.objid = p.oid AND d.deptype = 'e')")) {
      while (rs.next()) {
        out.put((int) rs.getLong(1), rs.getString(2));
      }
    }
    return out;
  }

  /** All column names of the tainted relations, for telling columns from functional notation. */
  private static Map<String, Set<String>> columnNames(Connection c, Set<Integer> taintedOids,
      Map<Integer, String[]> relations) throws SQLException {
    Map<String, Set<String>> out = new HashMap<>();
    if (taintedOids.isEmpty()) {
      return out;
    }
    try (PreparedStatement s = c.prepareStatement("SELECT attrelid, attname FROM pg_attribute"
        + " WHERE attrelid = ANY(?) AND attnum > 0 AND NOT attisdropped")) {
      s.setArray(1, c.createArrayOf("oid", taintedOids.toArray()));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          String[] name = relations.get((int) rs.getLong(1));
          if (name != null) {
            out.computeIfAbsent(name[1], k -> new HashSet<>()).add(rs.getString(2));
            out.computeIfAbsent(name[0] + "." + name[1], k -> new HashSet<>()).add(rs.getString(2));
          }
        }
      }
    }
    return out;
  }

  /**
   * Views and materialized views over masked columns, and views over those, until none is added.
   * Each view's definition is read like a statement: its columns that derive from masked values
   * are masked (whole, with the strictest strategy they derive from); a definition pgwarden cannot
   * follow masks every column of the view.
   */
  private void views(Connection c, Map<Integer, String[]> relations,
      Map<Integer, Map<String, MaskedColumn>> masked, Map<String, Map<String, MaskedColumn>> tainted,
      Map<String, Set<String>> columns, Map<Long, CatalogSnapshot.Attribute> attributes, Set<Integer> relationOids, Set<String> relationNames,
      Map<Integer, String> userFunctions) throws SQLException {
    Map<Integer, Set<Integer>> dependsOn = new HashMap<>();
    Set<Integer> overFunctions = new HashSet<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT DISTINCT r.ev_class, d.refobjid, d.refclassid = 'pg_proc'::regclass, p.proname FROM pg_rewrite r"
            + " JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid"
            + " AND d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass)"
            + " LEFT JOIN pg_proc p ON d.refclassid = 'pg_proc'::regclass AND p.oid = d.refobjid"
            + " WHERE d.refobjid <> r.ev_class")) {
      while (rs.next()) {
        int view = (int) rs.getLong(1);
        if (rs.getBoolean(3)) {
          // A view calling a function pgwarden cannot see into (or one running SQL text): its
          // columns may hold masked values.
          if (userFunctions.containsKey((int) rs.getLong(2)) || MaskPlanner.untraceableFunction(rs.getString(4))) {
            overFunctions.add(view);
          }
        } else {
          dependsOn.computeIfAbsent(view, k -> new HashSet<>()).add((int) rs.getLong(2));
        }
      }
    }
    Set<Integer> taintedOids = new HashSet<>(masked.keySet());
    Set<String> functionNames = Set.copyOf(userFunctions.values());
    for (int view : overFunctions) {
      dependsOn.computeIfAbsent(view, k -> new HashSet<>()).add(-1);
    }
    taintedOids.add(-1);
    boolean added = true;
    for (int round = 0; added && round < 32; round++) {
      added = false;
      for (Map.Entry<Integer, Set<Integer>> e : dependsOn.entrySet()) {
        int view = e.getKey();
        if (taintedOids.contains(view) || e.getValue().stream().noneMatch(taintedOids::contains)) {
          continue;
        }
        CatalogSnapshot draft = new CatalogSnapshot(0, Map.of(), relationOids, tainted, columns, Set.of(),
            relationNames, functionNames);
        Map<String, MaskedColumn> cols = viewColumns(c, view, relations.get(view), draft, attributes, columns);
        putTainted(tainted, relations.get(view), cols);
        taintedOids.add(view);
        added = true;
      }
    }
  }

  private Map<String, MaskedColumn> viewColumns(Connection c, int view, String[] name, CatalogSnapshot draft,
      Map<Long, CatalogSnapshot.Attribute> attributes, Map<String, Set<String>> allColumns) throws SQLException {
    String definition;
    List<String> columns = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT pg_get_viewdef(?::oid)")) {
      s.setLong(1, view & 0xffffffffL);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        definition = rs.getString(1);
      }
    }
    try (PreparedStatement s = c.prepareStatement(
        "SELECT attname FROM pg_attribute WHERE attrelid = ?::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
      s.setLong(1, view & 0xffffffffL);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          columns.add(rs.getString(1));
        }
      }
    }
    if (name != null) {
      allColumns.put(name[1], new HashSet<>(columns));
      allColumns.put(name[0] + "." + name[1], new HashSet<>(columns));
    }
    String sql = definition == null ? "" : definition.strip();
    if (sql.endsWith(";")) {
      sql = sql.substring(0, sql.length() - 1);
    }
    Classification k = StatementClassifier.classify(sql);
    MaskPlan plan = planner.plan(k, sql, draft, List.of(), Map.of());
    boolean strict = plan.touched().stream().anyMatch(t -> rules.columns().stream()
        .anyMatch(m -> m.denyPredicates() && m.qualifiedName().equals(t)));
    Map<String, MaskedColumn> out = new LinkedHashMap<>();
    for (int i = 0; i < columns.size(); i++) {
      MaskStrategy st = plan.refusal() != null ? rules.strictestDerived()
          : plan.derivedStrategy(i, columns.size());
      if (st != null) {
        out.put(columns.get(i), new MaskedColumn(name[0], name[1], columns.get(i), st, strict));
        attributes.put(CatalogSnapshot.key(view, i + 1),
            new CatalogSnapshot.Attribute(name[0] + "." + name[1] + "." + columns.get(i), st));
      }
    }
    return out;
  }

  private static void putTainted(Map<String, Map<String, MaskedColumn>> tainted, String[] name,
      Map<String, MaskedColumn> cols) {
    if (name == null || cols.isEmpty()) {
      return;
    }
    // A bare name may mean a relation of that name in any schema on the search path: merge them.
    tainted.merge(name[1], new HashMap<>(cols), (a, b) -> {
      Map<String, MaskedColumn> m = new HashMap<>(a);
      m.putAll(b);
      return m;
    });
    tainted.put(name[0] + "." + name[1], Map.copyOf(cols));
  }

  // ---------------------------------------------------------------- connection

  private Connection connection() throws SQLException {
    if (connection != null && !connection.isClosed()) {
      return connection;
    }
    UpstreamConfig upstream = this.upstream.get();
    Properties p = new Properties();
    p.setProperty("user", upstream.user());
    if (upstream.password() != null) {
      p.setProperty("password", upstream.password());
    }
    p.setProperty("ApplicationName", "pgwarden-catalog");
    p.setProperty("sslmode", switch (upstream.sslMode() == null ? SslMode.DISABLE : upstream.sslMode()) {
      case DISABLE -> "disable";
      case REQUIRE -> "require";
      case VERIFY_FULL -> "verify-full";
    });
    if (upstream.caFile() != null) {
      p.setProperty("sslrootcert", upstream.caFile().toString());
    }
    p.setProperty("connectTimeout", "10");
    p.setProperty("socketTimeout", "30");
    connection = DriverManager.getConnection(
        "jdbc:postgresql://" + hostForUrl(upstream.host()) + ":" + upstream.port() + "/" + upstream.database(), p);
    connection.setAutoCommit(true);
    return connection;
  }

  private static String hostForUrl(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
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
