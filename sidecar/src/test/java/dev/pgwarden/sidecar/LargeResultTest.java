package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;
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

  /** Samples the pooled allocator the proxy uses while a body of work runs; returns the peak. */
  private static long peakBufferMemoryDuring(ThrowingRunnable work) throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong peak = new AtomicLong();
    Thread sampler = new Thread(() -> {
      while (!done.get()) {
        // The allocator every proxy channel uses (Netty 4.2: the adaptive one).
        var metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        peak.accumulateAndGet(metric.usedDirectMemory() + metric.usedHeapMemory(), Math::max);
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sampler.start();
    try {
      work.run();
    } finally {
      done.set(true);
      sampler.join();
    }
    return peak.get();
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void tenMillionRowsOfCopyOutStreamThrough() throws Exception {
    AtomicLong bytes = new AtomicLong();
    AtomicLong rows = new AtomicLong();
    long peak = peakBufferMemoryDuring(() -> {
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
        rows.set(c.unwrap(PGConnection.class).getCopyAPI().copyOut(
            "COPY (select g, 'row-payload-of-forty-characters-padding' from generate_series(1, " + ROWS + ") g) TO STDOUT",
            counting));
      }
    });
    assertThat(peak).as("the sampler saw the proxy's buffers at all").isPositive();
    System.out.printf("COPY OUT: %d rows, %d MiB through the proxy, peak proxy buffers %d KiB%n",
        rows.get(), bytes.get() >> 20, peak >> 10);
    assertThat(rows.get()).isEqualTo(ROWS);
    assertThat(bytes.get()).isGreaterThan(400L * 1024 * 1024);
    assertThat(peak).isLessThan(MAX_PROXY_BUFFERS);
  }

  @Test
  void tenMillionRowSelectStreamsThroughACursor() throws Exception {
    AtomicLong rows = new AtomicLong();
    AtomicLong sum = new AtomicLong();
    long peak = peakBufferMemoryDuring(() -> {
      try (Connection c = f.connect()) {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
          s.setFetchSize(100_000);
          ResultSet rs = s.executeQuery("select g, 'row-payload-of-forty-characters-padding' from generate_series(1, " + ROWS + ") g");
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
