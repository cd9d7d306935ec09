package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Connection churn: thousands of short sessions (token check, SCRAM upstream, one statement,
 * disconnect) leave no growth behind in threads, file descriptors, buffer memory or heap after a
 * GC. CI runs 1000; {@code -Dpgwarden.churn.sessions=20000} runs a long one. Prints sessions per
 * second through the proxy (bench/churn.sh compares with PostgreSQL directly and pgbouncer).
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class ChurnTest {
    private static final int SESSIONS = Integer.getInteger("pgwarden.churn.sessions", 1000);
    private static final int WARM_UP = 200;

    private static void churn(ProxyFixture f, int sessions) throws Exception {
        String token = f.token(); // one token, as an agent reconnecting with its current one would
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", "agent");
        p.setProperty("password", token);
        p.setProperty("sslmode", "disable");
        for (int i = 0; i < sessions; i++) {
            try (Connection c = java.sql.DriverManager.getConnection(f.jdbcUrl(), p);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("select " + i)) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(i);
            }
        }
    }

    @Test
    void shortSessionsLeaveNothingBehind() throws Exception {
        try (ProxyFixture f = new ProxyFixture()) {
            churn(f, WARM_UP); // pools, caches and lazily started threads reach their size
            awaitSessionsClosed(f);
            ResourceGauges before = ResourceGauges.now();
            long began = System.nanoTime();
            churn(f, SESSIONS);
            double seconds = (System.nanoTime() - began) / 1e9;
            awaitSessionsClosed(f);
            ResourceGauges after = ResourceGauges.now();
            System.out.printf(
                    "churn: %d sessions in %.1f s (%.0f sessions/s through the proxy)%n  before: %s%n  after:  %s%n",
                    SESSIONS, seconds, SESSIONS / seconds, before, after);
            assertThat(after.threads()).as("threads").isLessThanOrEqualTo(before.threads() + 2);
            assertThat(after.fileDescriptors())
                    .as("file descriptors")
                    .isLessThanOrEqualTo(before.fileDescriptors() + 8);
            assertThat(after.bufferMemory()).as("buffer memory").isLessThanOrEqualTo(before.bufferMemory() + (4 << 20));
            assertThat(after.heapAfterGc()).as("heap after GC").isLessThanOrEqualTo(before.heapAfterGc() + (24 << 20));
            assertThat(f.auditEvents().stream()
                            .filter(e -> "session_end".equals(e.path("event").asText()))
                            .count())
                    .as("every session ended")
                    .isEqualTo(WARM_UP + SESSIONS);
        }
    }

    /** Sessions end on the proxy's loop after the client has gone: wait until none is open. */
    static void awaitSessionsClosed(ProxyFixture f) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            var active = f.metrics.find("pgwarden.sessions.active").gauge();
            if (active == null || active.value() == 0) {
                return;
            }
            assertThat(System.nanoTime()).as("sessions close").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
