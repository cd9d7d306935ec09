package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.sidecar.audit.AuditChain;
import dev.pgwarden.sidecar.recording.Recorder;
import dev.pgwarden.sidecar.recording.S3Store;
import dev.pgwarden.testkit.TestS3;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions recorded through a real proxy into a real S3 API (s3proxy), read back as an auditor
 * would: complete, in order, chained; through a store outage; and with fail-closed when the spool
 * is full.
 */
class RecordingTest {
    static final String BUCKET = "sessions";
    static final String PREFIX = "agents/";
    static TestS3 s3;
    static Path keyFile;
    static AuditChain chain;

    @TempDir
    Path spool;

    @BeforeAll
    static void startStore() throws Exception {
        s3 = TestS3.start(BUCKET);
        keyFile = Files.createTempFile("pgwarden-audit", ".key");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Files.write(keyFile, key);
        chain = AuditChain.of(key);
    }

    @AfterAll
    static void stopStore() throws Exception {
        s3.close();
        Files.deleteIfExists(keyFile);
    }

    static String policy(boolean failClosed) {
        return """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: recorded}
        spec:
          access: {mode: ReadWrite}
          rules:
            - name: no-drop
              statements: [DROP]
              action: Deny
          recording:
            results: Rows
            maxRowsPerStatement: 2
            s3: {bucket: %s, prefix: %s}
          audit: {failClosed: %s}
        """.formatted(BUCKET, PREFIX, failClosed);
    }

    static S3Store store() {
        return new S3Store(BUCKET, s3.endpoint(), "us-east-1", TestS3.ACCESS_KEY, TestS3.SECRET_KEY);
    }

    private ProxyFixture proxy(Recorder.Settings settings, boolean failClosed, SimpleMeterRegistry metrics) {
        return ProxyFixture.withAudit(policy(failClosed), out -> {
            try {
                return AuditOutputs.open(out, keyFile, "test-pod", store(), settings, metrics);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private Recorder.Settings settings() {
        return Recorder.Settings.defaults(spool, PREFIX)
                .withPartInterval(Duration.ofMillis(200))
                .withMaxBackoff(Duration.ofMillis(300))
                .withFlushTimeout(Duration.ofSeconds(10));
    }

    private static String sessionOf(ProxyFixture proxy, String marker) throws InterruptedException {
        return proxy.awaitEvent(e -> e.path("statement").asText().contains(marker))
                .path("session")
                .asText();
    }

    @Test
    void aSessionArrivesCompleteInOrderAndChained() throws Exception {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (ProxyFixture proxy = proxy(settings(), true, metrics)) {
            try (Connection c = proxy.connect();
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS rec_items (id int, name text)");
                s.execute("TRUNCATE rec_items");
                s.execute("INSERT INTO rec_items VALUES (1, 'one'), (2, 'two'), (3, 'three')");
                try (ResultSet rs = s.executeQuery("SELECT id, name FROM rec_items ORDER BY id /* rec-select */")) {
                    while (rs.next()) {
                        assertThat(rs.getString(2)).isNotEmpty();
                    }
                }
                s.execute("CREATE TABLE IF NOT EXISTS rec_items (id int)");
                assertThatThrownBy(() -> s.execute("SELECT 1/0 AS rec_error"))
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("22012"));
                assertThatThrownBy(() -> s.execute("DROP TABLE rec_items"))
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("42501"))
                        .hasMessageContaining("no-drop");
            }
            String session = sessionOf(proxy, "rec-select");
            RecordedSessions.Recorded recorded =
                    RecordedSessions.awaitEnded(store(), PREFIX, session, Duration.ofSeconds(20));
            recorded.assertIntact(chain);

            // The store holds exactly the lines the audit stream carried for the session, byte for byte.
            List<String> audited = proxy.auditText()
                    .lines()
                    .filter(l -> l.contains("\"session\":\"" + session + "\""))
                    .toList();
            assertThat(recorded.lines()).isEqualTo(audited);

            List<JsonNode> events = recorded.events();
            assertThat(events.get(0).path("event").asText()).isEqualTo("session_start");
            assertThat(events.get(0).path("instance").asText()).startsWith("test-pod@");
            assertThat(events.get(0).path("ordinal").asLong()).isPositive();
            assertThat(events.get(0).path("subject").asText()).isEqualTo("local:tester");
            assertThat(events.get(0).path("policy").asText()).isEqualTo("recorded");
            String kinds = events.stream().map(e -> e.path("event").asText()).collect(Collectors.joining(","));
            assertThat(kinds).startsWith("session_start,").endsWith(",session_end");
            assertThat(kinds).contains("result_rows,statement");

            JsonNode rows = events.stream()
                    .filter(e -> e.path("event").asText().equals("result_rows")
                            && e.path("columns").toString().contains("name"))
                    .findFirst()
                    .orElseThrow();
            assertThat(rows.path("columns").toString()).isEqualTo("[\"id\",\"name\"]");
            assertThat(rows.path("rows").toString()).isEqualTo("[[\"1\",\"one\"],[\"2\",\"two\"]]");
            assertThat(rows.path("truncated").asBoolean()).isTrue();
            JsonNode select = events.get(events.indexOf(rows) + 1);
            assertThat(select.path("statement").asText()).contains("rec-select");
            assertThat(select.path("rows").asLong()).isEqualTo(3);

            assertThat(events).anySatisfy(e -> {
                assertThat(e.path("event").asText()).isEqualTo("notice");
                assertThat(e.path("message").asText()).contains("already exists");
            });
            assertThat(events).anySatisfy(e -> {
                assertThat(e.path("statement").asText()).contains("rec_error");
                assertThat(e.path("sqlstate").asText()).isEqualTo("22012");
                assertThat(e.path("message").asText()).isEqualTo("division by zero");
            });
            assertThat(events).anySatisfy(e -> {
                assertThat(e.path("statement").asText()).isEqualTo("DROP TABLE rec_items");
                assertThat(e.path("outcome").asText()).isEqualTo("refused");
                assertThat(e.path("rule").asText()).isEqualTo("no-drop");
                assertThat(e.path("message").asText()).contains("denied by rule no-drop");
            });
            assertThat(metrics.get("pgwarden_recording_parts_uploaded")
                            .functionCounter()
                            .count())
                    .isGreaterThanOrEqualTo(recorded.parts().size());
        }
    }

    @Test
    void aStoreOutageMidSessionLosesNothing() throws Exception {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (ProxyFixture proxy = proxy(settings(), true, metrics)) {
            String session;
            try (Connection c = proxy.connect();
                    Statement s = c.createStatement()) {
                s.execute("SELECT 'before outage' AS outage_0");
                session = sessionOf(proxy, "outage_0");
                s3.stop();
                try {
                    for (int i = 1; i <= 20; i++) {
                        s.execute("SELECT " + i + " AS outage_" + i);
                        Thread.sleep(30);
                    }
                    awaitTrue(
                            () -> metrics.get("pgwarden_recording_upload_failures")
                                            .functionCounter()
                                            .count()
                                    > 0,
                            "uploads fail while the store is down");
                    assertThat(metrics.get("pgwarden_recording_spool_parts")
                                    .gauge()
                                    .value())
                            .isPositive();
                } finally {
                    s3.restart();
                }
                for (int i = 21; i <= 25; i++) {
                    s.execute("SELECT " + i + " AS outage_" + i);
                }
            }
            RecordedSessions.Recorded recorded =
                    RecordedSessions.awaitEnded(store(), PREFIX, session, Duration.ofSeconds(30));
            recorded.assertIntact(chain);
            List<String> statements = recorded.events().stream()
                    .filter(e -> e.path("event").asText().equals("statement"))
                    .map(e -> e.path("statement").asText())
                    .toList();
            for (int i = 0; i <= 25; i++) {
                String marker = "AS outage_" + i;
                assertThat(statements)
                        .as("statement %d", i)
                        .filteredOn(t -> t.endsWith(marker))
                        .hasSize(1);
            }
            assertThat(recorded.parts().size())
                    .as("the session spans several parts")
                    .isGreaterThan(2);
            awaitTrue(
                    () -> metrics.get("pgwarden_recording_spool_parts").gauge().value() == 0, "the spool drains");
        }
    }

    @Test
    void aFullSpoolRefusesStatementsWhenFailClosed() throws Exception {
        Recorder.Settings small = settings().withMaxSpoolBytes(2_000);
        try (ProxyFixture proxy = proxy(small, true, new SimpleMeterRegistry())) {
            try (Connection c = proxy.connect();
                    Statement s = c.createStatement()) {
                s3.stop();
                SQLException refused;
                try {
                    refused = fillSpoolUntilRefused(s);
                } finally {
                    s3.restart();
                }
                assertThat(refused.getSQLState()).isEqualTo("53100");
                assertThat(refused.getMessage())
                        .contains("did not run because it cannot be recorded")
                        .contains("recording spool is full")
                        .contains("s3://" + BUCKET);
                // The store is back: the spool drains and statements run again.
                awaitTrue(
                        () -> {
                            try {
                                s.execute("SELECT 'after' AS spool_drained");
                                return true;
                            } catch (SQLException e) {
                                return false;
                            }
                        },
                        "statements run once the spool drains");
            }
            assertThat(proxy.statements("spool_drained"))
                    .anySatisfy(e -> assertThat(e.path("outcome").asText()).isEqualTo("ok"));
            assertThat(proxy.auditEvents()).anySatisfy(e -> {
                assertThat(e.path("outcome").asText()).isEqualTo("refused");
                assertThat(e.path("rule").asText()).isEqualTo("pgwarden:recording");
                assertThat(e.path("sqlstate").asText()).isEqualTo("53100");
            });
        }
    }

    /**
     * The spool's disk stops taking writes (here its directory is replaced by a file, which fails
     * every write as a full or read-only disk does, even for root): statements are refused with
     * 53100, and once the spool can be written again they run, without a restart.
     */
    @Test
    void aSpoolThatCannotBeWrittenRefusesStatementsAndRecovers() throws Exception {
        Path spoolDir = spool.resolve("unwritable");
        Path movedAway = spool.resolve("moved-away");
        Recorder.Settings settings = Recorder.Settings.defaults(spoolDir, PREFIX)
                .withPartInterval(Duration.ofMillis(200))
                .withMaxBackoff(Duration.ofMillis(300))
                .withFlushTimeout(Duration.ofSeconds(10));
        try (ProxyFixture proxy = proxy(settings, true, new SimpleMeterRegistry());
                Connection c = proxy.connect();
                Statement s = c.createStatement()) {
            s.execute("SELECT 'before' AS spool_writable");
            Files.move(spoolDir, movedAway);
            Files.writeString(spoolDir, "not a directory");
            SQLException refused;
            try {
                refused = fillSpoolUntilRefused(s);
            } finally {
                Files.delete(spoolDir);
                Files.move(movedAway, spoolDir);
            }
            assertThat(refused.getSQLState()).isEqualTo("53100");
            assertThat(refused.getMessage()).contains("did not run because it cannot be recorded");
            awaitTrue(
                    () -> {
                        try {
                            s.execute("SELECT 'after' AS spool_writable_again");
                            return true;
                        } catch (SQLException e) {
                            return false;
                        }
                    },
                    "statements run once the spool can be written");
            assertThat(proxy.statements("spool_writable_again"))
                    .anySatisfy(e -> assertThat(e.path("outcome").asText()).isEqualTo("ok"));
        }
    }

    @Test
    void aFullSpoolRunsStatementsWhenNotFailClosed() throws Exception {
        Recorder.Settings small = settings().withMaxSpoolBytes(2_000);
        try (ProxyFixture proxy = proxy(small, false, new SimpleMeterRegistry())) {
            try (Connection c = proxy.connect();
                    Statement s = c.createStatement()) {
                s3.stop();
                try {
                    for (int i = 0; i < 60; i++) {
                        s.execute("SELECT " + i + ", repeat('x', 200) AS open_" + i);
                    }
                    assertThat(proxy.statements("open_").stream()
                                    .map(e -> e.path("outcome").asText())
                                    .distinct()
                                    .toList())
                            .containsExactly("ok");
                } finally {
                    s3.restart();
                }
            }
        }
    }

    /** Runs statements while the store is down until the spool is over its limit and one is refused. */
    private static SQLException fillSpoolUntilRefused(Statement s) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int i = 0;
        while (System.nanoTime() < deadline) {
            try {
                s.execute("SELECT " + i++ + ", repeat('x', 200) AS filling");
            } catch (SQLException e) {
                return e;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no statement was refused while the spool filled");
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }
}
