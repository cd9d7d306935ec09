package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.sidecar.upstream.Transport;
import dev.pgwarden.testkit.TestPostgres;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.PGConnection;

/**
 * Every transport relays, streams and cancels alike; the rest of the suite runs on the default one.
 * A transport this machine lacks is not skipped: the test shows that the machine is the reason (a
 * kernel or container that forbids io_uring, an OS other than Linux), never a native library
 * missing from the build, that asking for it by name is refused, and that auto falls back to the
 * next one, through which the same traffic then passes.
 */
class TransportTest {
    private static final boolean LINUX =
            System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux");

    @ParameterizedTest
    @EnumSource(Transport.class)
    void relaysStreamsAndCancels(Transport transport) throws Exception {
        Transport used = transport;
        if (!transport.isAvailable()) {
            String why = whyUnavailable(transport);
            assertThatThrownBy(() -> Transport.select(transport.name().toLowerCase(Locale.ROOT)))
                    .hasMessageContaining("is not available on this machine: use auto");
            used = Transport.select("auto");
            assertThat(used).as("auto without %s", transport).isEqualTo(LINUX ? Transport.EPOLL : Transport.NIO);
            // In the test report (surefire's system-out), so a machine without it is seen, not silently passed.
            System.out.println(transport + " is not available here (" + why + "): relayed through auto, " + used);
        }
        try (ProxyFixture f = new ProxyFixture(
                        ProxyFixture.upstream(TestPostgres.SCRAM_USER, TestPostgres.PASSWORD),
                        1 << 20,
                        Duration.ofSeconds(10),
                        used);
                Connection c = f.connect();
                Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("select count(*), sum(g) from generate_series(1, 100000) g");
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(100_000);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long rows = c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyOut("COPY (select repeat('x', 1000) from generate_series(1, 5000)) TO STDOUT", out);
            assertThat(rows).isEqualTo(5000);
            assertThat(out.toString(StandardCharsets.US_ASCII)).hasSize(5000 * 1001);
            Thread canceller = ProxyFixture.cancelWhenRunning(s, "pg_sleep(20)");
            try {
                s.execute("select pg_sleep(20)");
                throw new AssertionError("the statement should have been cancelled");
            } catch (java.sql.SQLException e) {
                assertThat(e.getSQLState()).isEqualTo("57014");
            }
            canceller.join();
        }
    }

    /**
     * Why this machine lacks {@code transport}; fails when the reason is pgwarden's own build: NIO
     * is always there, epoll on every Linux, and io_uring's native library always loads on Linux
     * x86_64 (only the kernel's answer to io_uring_setup may be no).
     */
    private static String whyUnavailable(Transport transport) {
        assertThat(transport).as("NIO needs nothing native").isNotEqualTo(Transport.NIO);
        if (!LINUX) {
            return "epoll and io_uring are Linux's; this is " + System.getProperty("os.name");
        }
        Throwable cause = transport == Transport.EPOLL ? Epoll.unavailabilityCause() : IoUring.unavailabilityCause();
        assertThat(transport)
                .as("epoll is in every Linux kernel; its native library did not load: %s", cause)
                .isNotEqualTo(Transport.EPOLL);
        for (Throwable t = cause; t != null; t = t.getCause()) {
            assertThat(t)
                    .as("io_uring's native library did not load (not the kernel's refusal): %s", cause)
                    .isNotInstanceOf(LinkageError.class);
        }
        return "the kernel refused io_uring: " + cause;
    }
}
