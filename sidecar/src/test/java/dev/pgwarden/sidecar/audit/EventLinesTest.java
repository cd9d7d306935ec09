package dev.pgwarden.sidecar.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The audit writer's streaming lines are the lines Jackson's object mapper wrote from the events'
 * annotations, sealed by {@link SessionChains#seal}: byte for byte, every event type, with members
 * missing, empty and full, and text that needs escaping.
 */
class EventLinesTest {
    private static final byte[] KEY =
            "a key of at least thirty-two bytes, for tests".getBytes(StandardCharsets.US_ASCII);
    private static final String ODD =
            "quote \" backslash \\ newline \n tab \t nul \u0000 bell \u0007 del \u007f é 中 😀 \u2028";

    private static List<AuditEvent> events() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("application_name", "pgbench");
        parameters.put("options", null);
        parameters.put("odd", ODD);
        return List.of(
                new SessionStarted(
                        "2026-12-07T12:00:00.123456Z",
                        "s1",
                        "agent",
                        "https://issuer",
                        "agents/claude",
                        "pod-1",
                        List.of("ai", "dba"),
                        "bench",
                        "app",
                        "127.0.0.1:5000",
                        "postgres",
                        "psql",
                        "agent_role",
                        4242,
                        parameters),
                new SessionStarted(
                        "2026-12-07T12:00:00Z",
                        "s2",
                        "agent",
                        null,
                        null,
                        null,
                        null,
                        "bench",
                        "app",
                        null,
                        null,
                        null,
                        null,
                        null,
                        null),
                new StatementAudited(
                        "2026-12-07T12:00:01.5Z",
                        "s1",
                        "agent",
                        "bench",
                        "app",
                        "extended",
                        "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
                        List.of("48213"),
                        "ok",
                        "SELECT 1",
                        1L,
                        0.123,
                        null,
                        "SELECT",
                        null,
                        List.of("public.pgbench_accounts"),
                        "Allow",
                        "defaultAction",
                        null,
                        null,
                        null,
                        null,
                        null,
                        "backfill for ticket 7"),
                new StatementAudited(
                        "2026-12-07T12:00:02Z",
                        "s2",
                        "agent",
                        "bench",
                        "app",
                        "simple",
                        ODD,
                        Arrays.asList("1", null, ODD),
                        "error",
                        null,
                        null,
                        12345.678901,
                        "42P01",
                        "UNPARSEABLE",
                        List.of("INSERT", "DELETE"),
                        List.of(),
                        "RequireApproval",
                        "unbounded-writes",
                        "approval-1",
                        "approved",
                        "alice@example.com",
                        List.of("public.customers.email"),
                        ODD,
                        ODD),
                new StatementAudited(
                        null, "s2", null, null, null, null, null, null, "refused", null, null, null, null, null, null,
                        null, null, null, null, null, null, null, null, null),
                new NoticeSent("2026-12-07T12:00:03.000001Z", "s1", "WARNING", "01000", ODD),
                new NoticeSent("2026-12-07T12:00:03Z", "s1", null, null, null),
                new ResultRows(
                        "2026-12-07T12:00:04Z",
                        "s1",
                        List.of("a", "b"),
                        List.of(List.of("1", "x"), Arrays.asList(null, ODD), List.of()),
                        Boolean.TRUE),
                new ResultRows("2026-12-07T12:00:04Z", "s2", List.of(), List.of(), null),
                new ResultRows("2026-12-07T12:00:04Z", "s2", null, null, Boolean.FALSE),
                new SessionEnded("2026-12-07T12:00:05Z", "s1", "agent", 12_345L, 3, 1L << 40, 0, "client terminated"),
                new AuthenticationFailed(
                        "2026-12-07T12:00:06Z", "s3", "127.0.0.1:5001", "postgres", "token expired", "28P01", ODD),
                new AuthenticationFailed("2026-12-07T12:00:06Z", "s4", null, null, null, null, null),
                new StatementAudited(
                        "2026-12-07T12:00:07Z",
                        "s2",
                        "agent",
                        "bench",
                        "app",
                        "simple",
                        "SELECT 1",
                        List.of(),
                        "ok",
                        "SELECT 1",
                        1L,
                        0.0,
                        null,
                        "SELECT",
                        null,
                        null,
                        "Allow",
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null),
                new SessionEnded("2026-12-07T12:00:08Z", "s2", null, 0, 0, 0, 0, null));
    }

    @Test
    void linesAreTheMappersLinesSealedAlike() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        String instance = "pod-z@2026-12-07T00:00:00Z \"odd\"\n";
        SessionChains expectedChains = new SessionChains(AuditChain.of(KEY), instance);
        SessionChains streamedChains = new SessionChains(AuditChain.of(KEY), instance);
        EventLines lines = new EventLines(streamedChains);
        List<String> expected = new ArrayList<>();
        List<String> streamed = new ArrayList<>();
        for (int round = 0; round < 2; round++) { // the second round continues every chain
            for (AuditEvent e : events()) {
                expected.add(new String(
                                expectedChains.seal(e.session(), mapper.writeValueAsBytes(e)), StandardCharsets.UTF_8)
                        + "\n");
                lines.write(e);
                streamed.add(new String(lines.bytes(), 0, lines.length(), StandardCharsets.UTF_8));
                if (e.ends()) {
                    expectedChains.forget(e.session());
                    streamedChains.forget(e.session());
                }
            }
        }
        assertThat(streamed).containsExactlyElementsOf(expected);
        assertThat(streamed.get(0)).startsWith("{\"seq\":0,\"instance\":").contains("\"ordinal\":1,");
    }

    @Test
    void timestampsReadAsInstantToString() {
        Random random = new Random(16);
        List<Instant> instants = new ArrayList<>(List.of(
                Instant.EPOCH,
                Instant.ofEpochSecond(-1, 1),
                Instant.parse("2026-12-07T12:00:00Z"),
                Instant.parse("2026-12-07T12:00:00.100Z"),
                Instant.parse("2026-12-07T12:00:00.000100Z"),
                Instant.parse("2026-12-07T12:00:00.000000100Z"),
                Instant.parse("9999-12-31T23:59:59.999999999Z"),
                Instant.ofEpochSecond(253_402_300_800L, 5_000_000)));
        for (int i = 0; i < 2_000; i++) {
            long second = 1_700_000_000L + random.nextInt(100); // repeated seconds use the cached part
            int nanos =
                    switch (i % 4) {
                        case 0 -> 0;
                        case 1 -> random.nextInt(1000) * 1_000_000;
                        case 2 -> random.nextInt(1_000_000) * 1_000;
                        default -> random.nextInt(1_000_000_000);
                    };
            instants.add(Instant.ofEpochSecond(second, nanos));
        }
        for (Instant t : instants) {
            assertThat(Timestamps.format(t)).as("%s", t).isEqualTo(t.toString());
        }
        assertThat(Instant.parse(Timestamps.now())).isNotNull();
    }
}
