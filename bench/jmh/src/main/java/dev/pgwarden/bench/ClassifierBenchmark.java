package dev.pgwarden.bench;

import dev.pgwarden.api.policy.PolicyLoader;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.policy.StatementPolicy;
import dev.pgwarden.sidecar.policy.Verdict;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.ClassifierPool;
import dev.pgwarden.sidecar.sql.SqlLexer;
import dev.pgwarden.sidecar.sql.StatementClassifier;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the classifier costs per statement: a fingerprint-cache hit (the path nearly every
 * statement takes once its shape has been seen), a full parse (a cache miss), the lexer pass on
 * its own, and the policy decision on an already classified statement.
 *
 * <p>Every statement comes in {@link #VARIANTS} versions that differ only in their literal values,
 * and each invocation takes the next one, so the cache-hit figure includes normalising a statement
 * the lexer has not just seen, as in a real session, rather than re-reading one string.
 *
 * <pre>java -jar bench/jmh/target/benchmarks.jar ClassifierBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ClassifierBenchmark {
    /** A power of two, so the cycling index is a mask. */
    static final int VARIANTS = 1024;

    /** The rules of config/samples/local-policy.yaml, in ReadWrite mode: every rule is evaluated for every statement. */
    static final String POLICY_YAML = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata:
        name: bench
        namespace: default
      spec:
        subjects:
          - serviceAccount: agents/bench
        access:
          mode: ReadWrite
          schemas: [public]
          credentialTTL: 1h
        rules:
          - name: destructive-ddl
            statements: [DROP, TRUNCATE, ALTER]
            action: RequireApproval
          - name: unbounded-writes
            statements: [UPDATE, DELETE]
            withoutWhere: true
            action: RequireApproval
          - name: privileges
            statements: [GRANT, REVOKE, CREATE_ROLE, ALTER_ROLE, DROP_ROLE]
            action: Deny
        defaultAction: Allow
        onUnparseable: RequireApproval
      """;

    /**
     * The measured statements; each builds a variant from a random source. Only string and number
     * literals vary: the fingerprint keeps TRUE/FALSE/NULL and a number's sign, so varying those
     * would make new shapes (setUp checks that every variant has the first one's fingerprint).
     */
    public enum Statement {
        /** What pgbench -S sends. */
        POINT_SELECT(r -> "SELECT abalance FROM pgbench_accounts WHERE aid = " + r.nextInt(1, 1_000_001) + ";"),

        /** An UPDATE limited by a subquery over a join. */
        UPDATE_SUBQUERY(r -> "UPDATE pgbench_accounts SET abalance = abalance + " + r.nextInt(1, 5001)
                + ", filler = 'adj-" + r.nextInt(100_000) + "' WHERE aid IN (SELECT a.aid FROM pgbench_accounts a"
                + " JOIN pgbench_branches b ON b.bid = a.bid JOIN pgbench_tellers t ON t.bid = b.bid"
                + " WHERE b.bid = " + r.nextInt(1, 101) + " AND t.tbalance > " + r.nextInt(0, 10_000)
                + " AND a.abalance < " + r.nextInt(0, 100_000) + ") AND aid > " + r.nextInt(1, 1000)),

        /** A reporting query: three CTEs, aggregates, a window function, joins; about 1 KB. */
        CTE_ANALYTICS(r -> {
            int year = 2020 + r.nextInt(6);
            int month = 1 + r.nextInt(12);
            String from = String.format("%d-%02d-01", year, month);
            return "WITH recent_orders AS (\n"
                    + "  SELECT o.id, o.customer_id, o.total_cents, o.created_at, o.status\n"
                    + "  FROM public.orders o\n"
                    + "  WHERE o.created_at >= DATE '" + from + "' AND o.created_at < DATE '" + from + "' + INTERVAL '"
                    + (1 + r.nextInt(6)) + " months'\n"
                    + "    AND o.status IN ('paid', 'shipped', 'delivered') AND o.total_cents > " + r.nextInt(100, 5000)
                    + "\n"
                    + "), customer_totals AS (\n"
                    + "  SELECT ro.customer_id, count(*) AS orders, sum(ro.total_cents) AS spent_cents,\n"
                    + "         max(ro.created_at) AS last_order\n"
                    + "  FROM recent_orders ro\n"
                    + "  GROUP BY ro.customer_id\n"
                    + "  HAVING count(*) >= " + r.nextInt(2, 10) + "\n"
                    + "), ranked AS (\n"
                    + "  SELECT ct.*, c.region, c.segment,\n"
                    + "         rank() OVER (PARTITION BY c.region ORDER BY ct.spent_cents DESC) AS region_rank,\n"
                    + "         round(100.0 * ct.spent_cents / sum(ct.spent_cents) OVER (PARTITION BY c.region), "
                    + r.nextInt(1, 4) + ") AS region_share\n"
                    + "  FROM customer_totals ct\n"
                    + "  JOIN public.customers c ON c.id = ct.customer_id\n"
                    + "  WHERE c.deleted_at IS NULL AND c.segment <> 'internal-" + r.nextInt(1000) + "'\n"
                    + ")\n"
                    + "SELECT r.region, r.segment, r.customer_id, r.orders, r.spent_cents / 100.0 AS spent,\n"
                    + "       r.region_share, r.last_order, coalesce(p.tier, 'none') AS tier\n"
                    + "FROM ranked r\n"
                    + "LEFT JOIN public.loyalty_programs p ON p.customer_id = r.customer_id AND p.active\n"
                    + "WHERE r.region_rank <= " + r.nextInt(5, 50) + "\n"
                    + "ORDER BY r.region, r.region_rank\n"
                    + "LIMIT " + r.nextInt(100, 1000);
        }),

        /** One row of 20 values of mixed types. */
        INSERT_20(r -> "INSERT INTO public.events (id, tenant_id, user_id, session_id, kind, source, path, referrer,"
                + " status_code, duration_ms, bytes_in, bytes_out, country, device, browser, is_bot, score, created_at,"
                + " note, payload) VALUES (" + r.nextLong(1, Long.MAX_VALUE) + ", " + r.nextInt(1, 500) + ", "
                + r.nextInt(1, 2_000_000) + ", '" + Long.toHexString(r.nextLong())
                + "', 'page_view', 'web', '/products/"
                + r.nextInt(100_000) + "', 'https://example.com/?q=" + r.nextInt(1000) + "', "
                + (200 + r.nextInt(4) * 100)
                + ", " + r.nextInt(1, 5000) + ", " + r.nextInt(100, 10_000) + ", " + r.nextInt(1000, 500_000)
                + ", 'DE', "
                + "'desktop', 'firefox', false, " + r.nextDouble() + ", TIMESTAMP '2025-"
                + String.format(
                        "%02d-%02d %02d:%02d:%02d",
                        1 + r.nextInt(12), 1 + r.nextInt(28), r.nextInt(24), r.nextInt(60), r.nextInt(60))
                + "', NULL, '{\"v\": " + r.nextInt(100) + "}')");

        private final Function<SplittableRandom, String> variant;

        Statement(Function<SplittableRandom, String> variant) {
            this.variant = variant;
        }
    }

    @Param({"POINT_SELECT", "UPDATE_SUBQUERY", "CTE_ANALYTICS", "INSERT_20"})
    public Statement statement;

    private String[] variants;
    private int next;
    private ClassifierPool pool;
    private StatementPolicy policy;
    private Classification classification;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        SplittableRandom random = new SplittableRandom(20_250_101L + statement.ordinal());
        variants = new String[VARIANTS];
        for (int i = 0; i < VARIANTS; i++) {
            variants[i] = statement.variant.apply(random);
        }
        String shape = SqlLexer.fingerprint(SqlLexer.tokenize(variants[0]));
        for (String v : variants) {
            if (!shape.equals(SqlLexer.fingerprint(SqlLexer.tokenize(v)))) {
                throw new IllegalStateException("variants of " + statement + " differ in shape: " + v);
            }
        }

        pool = new ClassifierPool(1, 16, Duration.ofSeconds(10), 10_000);
        classification = pool.classifyNow(variants[0]);
        for (String v : variants) {
            if (pool.cached(v) == null) {
                throw new IllegalStateException("a variant of " + statement + " misses the warmed cache: " + v);
            }
        }
        policy = new StatementPolicy(new PolicyLoader(PolicyValidator.Use.LOCAL)
                .parse(POLICY_YAML, "bench")
                .getSpec());
        Verdict verdict = policy.decide(classification);
        // Printed once per trial, so that a statement the classifier cannot read shows in the output.
        System.out.println("\n[" + statement + "] " + variants[0].length() + " chars, kind " + classification.kind()
                + ", effects " + classification.effects() + ", reads " + classification.reads() + ", writes "
                + classification.writes() + ", unbounded " + classification.unbounded() + ", verdict "
                + verdict.action()
                + " (" + verdict.rule() + ")"
                + (classification.kind() == StatementKind.UNPARSEABLE
                        ? ", UNPARSEABLE: " + classification.problem()
                        : ""));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    private String nextVariant() {
        String s = variants[next];
        next = (next + 1) & (VARIANTS - 1);
        return s;
    }

    /** Cache hit: lexer pass, fingerprint, cache lookup. What a statement of a known shape costs. */
    @Benchmark
    public Classification cacheHit() {
        return pool.cached(nextVariant());
    }

    /** The lexer pass and fingerprint alone, without the lookup: cacheHit less this is the map. */
    @Benchmark
    public String lexAndFingerprint() throws SqlLexer.LexException {
        return SqlLexer.fingerprint(SqlLexer.tokenize(nextVariant()));
    }

    /** Cache miss: the full classification, JSqlParser included, on the calling thread. */
    @Benchmark
    public Classification parseMiss() {
        return StatementClassifier.classify(nextVariant());
    }

    /** The policy decision on an already classified statement. */
    @Benchmark
    public Verdict policyDecide() {
        return policy.decide(classification);
    }
}
