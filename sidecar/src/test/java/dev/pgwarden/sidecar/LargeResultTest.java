package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * Results stream through: ten million rows pass while the proxy's buffer memory stays small.
 * The surefire JVM runs with -Xmx256m (and so at most 256 MiB of direct memory), far less than
 * the bytes that cross the proxy here, so buffering a result whole would fail outright.
 */
class LargeResultTest {
    private static final long ROWS = 10_000_000;
    /** The proxy may hold a few write-buffer high-water marks per session, nowhere near the result. */
    private static final long MAX_PROXY_BUFFERS = 64L * 1024 * 1024;

    private static ProxyFixture f;

    @BeforeAll
    static void start() {
        f = new ProxyFixture();
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @Test
    void tenMillionRowsOfCopyOutStreamThrough() throws Exception {
        AtomicLong bytes = new AtomicLong();
        AtomicLong rows = new AtomicLong();
        long peak = BufferMemory.peakDuring(() -> {
            try (Connection c = f.connect()) {
                OutputStream counting = new OutputStream() {
                    @Override
                    public void write(int b) {
                        bytes.incrementAndGet();
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        bytes.addAndGet(len);
                    }
                };
                rows.set(c.unwrap(PGConnection.class)
                        .getCopyAPI()
                        .copyOut(
                                "COPY (select g, 'row-payload-of-forty-characters-padding' from generate_series(1, "
                                        + ROWS + ") g) TO STDOUT",
                                counting));
            }
        });
        assertThat(peak).as("the sampler saw the proxy's buffers at all").isPositive();
        System.out.printf(
                "COPY OUT: %d rows, %d MiB through the proxy, peak proxy buffers %d KiB%n",
                rows.get(), bytes.get() >> 20, peak >> 10);
        assertThat(rows.get()).isEqualTo(ROWS);
        assertThat(bytes.get()).isGreaterThan(400L * 1024 * 1024);
        assertThat(peak).isLessThan(MAX_PROXY_BUFFERS);
    }

    @Test
    void tenMillionRowSelectStreamsThroughACursor() throws Exception {
        AtomicLong rows = new AtomicLong();
        AtomicLong sum = new AtomicLong();
        long peak = BufferMemory.peakDuring(() -> {
            try (Connection c = f.connect()) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.setFetchSize(100_000);
                    ResultSet rs = s.executeQuery(
                            "select g, 'row-payload-of-forty-characters-padding' from generate_series(1, " + ROWS
                                    + ") g");
                    while (rs.next()) {
                        rows.incrementAndGet();
                        sum.addAndGet(rs.getLong(1));
                    }
                }
                c.commit();
            }
        });
        assertThat(peak).as("the sampler saw the proxy's buffers at all").isPositive();
        System.out.printf("SELECT: %d rows, peak proxy buffers %d KiB%n", rows.get(), peak >> 10);
        assertThat(rows.get()).isEqualTo(ROWS);
        assertThat(sum.get()).isEqualTo(ROWS * (ROWS + 1) / 2);
        assertThat(peak).isLessThan(MAX_PROXY_BUFFERS);
    }
}
