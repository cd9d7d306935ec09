package dev.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.cli.recordings.RecordingFixture;
import dev.pgwarden.sidecar.audit.AuditChain;
import dev.pgwarden.sidecar.audit.JsonLinesAuditSink;
import dev.pgwarden.sidecar.audit.NoticeSent;
import dev.pgwarden.sidecar.audit.ResultRows;
import dev.pgwarden.sidecar.audit.SessionChains;
import dev.pgwarden.sidecar.audit.SessionEnded;
import dev.pgwarden.sidecar.audit.SessionStarted;
import dev.pgwarden.sidecar.audit.StatementAudited;
import dev.pgwarden.sidecar.recording.DirectoryStore;
import dev.pgwarden.sidecar.recording.Recorder;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the sidecar's own audit writer and recorder produce verifies and replays: the stored parts
 * and the standard-output log alike, with two sessions' events interleaved and each session cut
 * into several parts by a short part interval.
 */
class RecorderRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void theSidecarsRecordingsAndAuditLogVerifyAndReplay() throws Exception {
        SessionChains chains = new SessionChains(AuditChain.of(RecordingFixture.KEY), "pod-z@2026-11-23T00:00:00Z");
        Path stored = dir.resolve("store");
        Recorder recorder = Recorder.start(
                Recorder.Settings.defaults(dir.resolve("spool"), "agents").withPartInterval(Duration.ofMillis(1)),
                new DirectoryStore(stored),
                chains,
                null);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        JsonLinesAuditSink sink = new JsonLinesAuditSink(stdout, chains, recorder);
        for (String session : List.of("aaaaaaaaaaaa", "bbbbbbbbbbbb")) {
            sink.emit(new SessionStarted(
                    "2026-11-23T10:00:00.000Z",
                    session,
                    "local:agent",
                    null,
                    null,
                    null,
                    null,
                    "local-demo",
                    "app",
                    "127.0.0.1:50000",
                    "agent",
                    "psql",
                    null,
                    null,
                    null));
        }
        for (int i = 0; i < 3; i++) {
            for (String session : List.of("aaaaaaaaaaaa", "bbbbbbbbbbbb")) {
                sink.emit(new ResultRows(
                        "2026-11-23T10:00:01.000Z", session, List.of("n"), List.of(List.of("" + i)), null));
                sink.emit(new StatementAudited(
                        "2026-11-23T10:00:01.000Z",
                        session,
                        "local:agent",
                        "local-demo",
                        "app",
                        "simple",
                        "select " + i + " as n",
                        null,
                        "ok",
                        "SELECT 1",
                        1L,
                        0.05,
                        null,
                        "SELECT",
                        null,
                        null,
                        "Allow",
                        "defaultAction",
                        null,
                        null,
                        null,
                        null,
                        null,
                        null));
            }
            // Part boundaries come after a batch: wait so each round lands in a part of its own.
            assertThat(sink.awaitWritten(Duration.ofSeconds(10))).isTrue();
            Thread.sleep(20);
        }
        sink.emit(new NoticeSent("2026-11-23T10:00:02.000Z", "aaaaaaaaaaaa", "WARNING", "01000", "careful"));
        for (String session : List.of("aaaaaaaaaaaa", "bbbbbbbbbbbb")) {
            sink.emit(new SessionEnded(
                    "2026-11-23T10:00:03.000Z", session, "local:agent", 3000, 3, 10, 20, "client terminated"));
        }
        sink.close();
        Path key = RecordingFixture.keyFile(dir);

        assertThat(Files.list(stored.resolve("agents")).count()).isEqualTo(1); // one day folder
        CliRun verify = CliRun.run("audit", "verify", stored, "--key-file", key);
        assertThat(verify.exit()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out())
                .contains("OK      aaaaaaaaaaaa  9 events, session_end: client terminated")
                .contains("OK      bbbbbbbbbbbb  8 events, session_end: client terminated");

        Path log = Files.write(dir.resolve("audit.jsonl"), stdout.toByteArray());
        assertThat(CliRun.run("audit", "verify", log, "--key-file", key).exit()).isZero();

        CliRun replay = CliRun.run("replay", stored, "--session", "aaaaaaaaaaaa", "--key-file", key);
        assertThat(replay.err()).isEmpty();
        assertThat(replay.out()).contains("""
        [10:00:01.000] local:agent=> select 2 as n;
         n
        ---
         2
        (1 row)
        Time: 0.050 ms

        WARNING:  careful
        Session ended [10:00:03.000]: client terminated; 3 statements in 3.0 s
        """);
        try (var parts = Files.walk(stored)) {
            assertThat(parts.filter(p -> p.toString().contains("aaaaaaaaaaaa") && Files.isRegularFile(p))
                            .count())
                    .as("the session was recorded in several parts")
                    .isGreaterThan(1);
        }
    }
}
