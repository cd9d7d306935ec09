package dev.pgwarden.database.masking;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.api.v1alpha1.MaskStrategy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The cost of the masking view on a large result: a million rows of six columns, two masked
 * (partial and hash), read whole with {@code SELECT *} from the view and from the table. Prints the
 * figures (no assertion on time: the machine is shared): the time to stream the rows to pgjdbc,
 * and the server's own execution time from EXPLAIN ANALYZE.
 */
class MaskingViewBenchmarkTest {
    private static final int ROWS = 1_000_000;
    private static final int RUNS = 3;

    @Test
    void selectStarFromTheViewAgainstTheTable() throws SQLException {
        MaskingFixture f = new MaskingFixture("mask_bench");
        f.admin(
                "CREATE TABLE customers (id int8 PRIMARY KEY, name text, email text, ssn text, created date, amount numeric(12,2))",
                "INSERT INTO customers SELECT i, 'Customer ' || i, 'user' || i || '@example.com',"
                        + " lpad((i::int8 * 7919 % 1000000000)::text, 9, '0'), date '2020-01-01' + (i % 2000), (i % 100000) / 100.0"
                        + " FROM generate_series(1, " + ROWS + ") i",
                "VACUUM ANALYZE customers",
                "GRANT USAGE ON SCHEMA public TO " + f.group,
                "GRANT SELECT ON customers TO " + f.group);
        MaskingReport report = f.apply(f.policy(
                AccessMode.ReadOnly,
                MaskingFixture.mask("customers", "email", MaskStrategy.PARTIAL),
                MaskingFixture.mask("customers", "ssn", MaskStrategy.HASH)));
        assertThat(report.problems()).isEmpty();
        long[] direct = new long[RUNS];
        long[] masked = new long[RUNS];
        long[] directServer = new long[RUNS];
        long[] maskedServer = new long[RUNS];
        long[] partialServer = new long[RUNS];
        long[] hashServer = new long[RUNS];
        try (Connection admin = f.admin();
                Connection agent = f.agent(report)) {
            stream(admin, "SELECT * FROM public.customers");
            stream(agent, "SELECT * FROM customers");
            for (int i = 0; i < RUNS; i++) {
                direct[i] = stream(admin, "SELECT * FROM public.customers");
                masked[i] = stream(agent, "SELECT * FROM customers");
                directServer[i] = explain(admin, "SELECT * FROM public.customers");
                maskedServer[i] = explain(agent, "SELECT * FROM customers");
                partialServer[i] = explain(agent, "SELECT email FROM customers");
                hashServer[i] = explain(agent, "SELECT ssn FROM customers");
            }
        }
        System.out.printf(
                "masking view, %d rows, 6 columns, 2 masked (partial, hash); median of %d runs%n", ROWS, RUNS);
        System.out.printf(
                "  streamed to pgjdbc: table %d ms, view %d ms, ratio %.2f%n",
                median(direct), median(masked), (double) median(masked) / median(direct));
        System.out.printf(
                "  server execution:   table %d ms, view %d ms, ratio %.2f%n",
                median(directServer), median(maskedServer), (double) median(maskedServer) / median(directServer));
        System.out.printf(
                "  server execution of one masked column alone: partial %d ms, hash %d ms%n",
                median(partialServer), median(hashServer));
    }

    /** Reads every value of every row as text, 10,000 rows per fetch; returns milliseconds. */
    private static long stream(Connection c, String sql) throws SQLException {
        c.setAutoCommit(false);
        long start = System.nanoTime();
        long chars = 0;
        try (Statement s = c.createStatement()) {
            s.setFetchSize(10_000);
            try (ResultSet rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    for (int i = 1; i <= 6; i++) {
                        String v = rs.getString(i);
                        chars += v == null ? 0 : v.length();
                    }
                }
            }
        } finally {
            c.commit();
            c.setAutoCommit(true);
        }
        assertThat(chars).isPositive();
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** The server's execution time of the query, every output column computed, nothing sent. */
    private static long explain(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql)) {
            rs.next();
            String json = rs.getString(1);
            int at = json.indexOf("\"Execution Time\": ") + "\"Execution Time\": ".length();
            return Math.round(Double.parseDouble(
                    json.substring(at, json.indexOf('\n', at)).trim()));
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
