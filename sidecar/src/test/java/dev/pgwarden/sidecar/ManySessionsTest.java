package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Several hundred sessions open at once through one proxy, all working, in bounded memory: the
 * proxy's buffers stay small (results stream; an idle session holds no buffer). CI opens 300;
 * {@code -Dpgwarden.sessions.concurrent=N} opens more (PostgreSQL is started with 600 connections).
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class ManySessionsTest {
    private static final int SESSIONS = Integer.getInteger("pgwarden.sessions.concurrent", 300);
    private static final long MAX_PROXY_BUFFERS = 64L << 20;

    @Test
    void hundredsOfConcurrentSessionsWorkInBoundedMemory() throws Exception {
        List<Connection> open = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try (ProxyFixture f = new ProxyFixture()) {
            ResourceGauges before = ResourceGauges.now();
            long peak = BufferMemory.peakDuring(() -> {
                for (int i = 0; i < SESSIONS; i++) {
                    open.add(f.connect());
                }
                // Every session at work at once, several rounds, each reading a result of some size.
                List<Future<Long>> rounds = new ArrayList<>();
                for (int round = 0; round < 3; round++) {
                    for (Connection c : open) {
                        rounds.add(clients.submit(() -> {
                            try (Statement s = c.createStatement();
                                    ResultSet rs = s.executeQuery(
                                            "select sum(length(repeat('x', g))) from generate_series(1, 200) g")) {
                                rs.next();
                                return rs.getLong(1);
                            }
                        }));
                    }
                }
                for (Future<Long> r : rounds) {
                    assertThat(r.get(5, TimeUnit.MINUTES)).isEqualTo(20_100L);
                }
            });
            ResourceGauges withAllOpen = ResourceGauges.now();
            assertThat(f.metrics.find("pgwarden.sessions.active").gauge().value())
                    .isEqualTo(SESSIONS);
            System.out.printf(
                    "%d concurrent sessions: peak proxy buffers %d KiB; before %s; all open %s%n",
                    SESSIONS, peak >> 10, before, withAllOpen);
            assertThat(peak)
                    .as("the proxy's buffers while %d sessions work", SESSIONS)
                    .isLessThan(MAX_PROXY_BUFFERS);
            // The pooled allocator keeps chunks other tests in this JVM left: what the sessions add counts.
            assertThat(withAllOpen.bufferMemory() - before.bufferMemory())
                    .as("buffers held by idle sessions")
                    .isLessThan(8L << 20);
            assertThat(withAllOpen.threads() - before.threads())
                    .as("threads: sessions share the event loops")
                    .isLessThanOrEqualTo(16 + 8);
        } finally {
            clients.shutdownNow();
            for (Connection c : open) {
                c.close();
            }
        }
    }
}
