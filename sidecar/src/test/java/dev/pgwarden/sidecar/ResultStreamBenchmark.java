package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Benchmark, not a test: how long a large result takes to stream directly, through pgwarden
 * without masking, and through pgwarden masking two of its six columns. Prints figures; asserts
 * only that every run read every row. Run with
 * {@code ./mvnw -pl sidecar test -Dtest=ResultStreamBenchmark -Dbenchmark=true [-Dbenchmark.rows=N]}.
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class ResultStreamBenchmark {
    private static final String PLAIN = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: stream-plain}
      spec:
        access: {mode: ReadOnly}
        onUnparseable: Deny
      """;
    private static final String MASKED = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: stream-masked}
      spec:
        access: {mode: ReadOnly}
        masking:
          - columns: [bench_stream.people.email]
            strategy: partial
          - columns: [bench_stream.people.ssn]
            strategy: %s
        onUnparseable: Deny
      """;
    private static final String QUERY = "SELECT id, name, email, ssn, city, score FROM bench_stream.people";

    interface Source {
        Connection open() throws SQLException;
    }

    @Test
    void streamALargeResult() throws Exception {
        long rows = Long.getLong("benchmark.rows", 1_000_000);
        int rounds = Integer.getInteger("benchmark.rounds", 5);
        MaskedLargeResultTest.createPeople("bench_stream", rows);
        try (ProxyFixture plain = new ProxyFixture(PLAIN, null);
                ProxyFixture redact = new ProxyFixture(MASKED.formatted("redact"), null);
                ProxyFixture hash = new ProxyFixture(MASKED.formatted("hash"), null)) {
            Map<String, Source> sources = new LinkedHashMap<>();
            sources.put("direct", () -> TestPostgres.shared().direct());
            sources.put("pgwarden, no masking", plain::connect);
            sources.put("pgwarden, 2 of 6 masked (partial, redact)", redact::connect);
            sources.put("pgwarden, 2 of 6 masked (partial, hash)", hash::connect);
            Map<String, List<Long>> millis = new LinkedHashMap<>();
            for (String name : sources.keySet()) {
                stream(sources.get(name), rows); // warm-up: JIT, caches, the catalog snapshot
                millis.put(name, new ArrayList<>());
            }
            for (int round = 0; round < rounds; round++) {
                // Interleaved, so drifting machine load hits every configuration alike.
                for (Map.Entry<String, Source> s : sources.entrySet()) {
                    long t0 = System.nanoTime();
                    assertThat(stream(s.getValue(), rows)).isEqualTo(rows);
                    millis.get(s.getKey()).add((System.nanoTime() - t0) / 1_000_000);
                }
            }
            long direct = median(millis.get("direct"));
            System.out.printf(
                    "%nResult streaming: %d rows x 6 columns, pgjdbc, fetch size 50000, median of %d runs%n",
                    rows, rounds);
            System.out.printf("| %-42s | %8s | %8s | %s |%n", "configuration", "ms", "vs direct", "runs (ms)");
            for (Map.Entry<String, List<Long>> e : millis.entrySet()) {
                long m = median(e.getValue());
                System.out.printf("| %-42s | %8d | %8.2fx | %s |%n", e.getKey(), m, (double) m / direct, e.getValue());
            }
        }
    }

    private static long stream(Source source, long expected) throws SQLException {
        long n = 0;
        try (Connection c = source.open()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(50_000);
                try (ResultSet rs = s.executeQuery(QUERY)) {
                    while (rs.next()) {
                        for (int i = 1; i <= 6; i++) {
                            rs.getString(i);
                        }
                        n++;
                    }
                }
            }
            c.commit();
        }
        return n;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
