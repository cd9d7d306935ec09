package dev.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.cli.recordings.RecordingFixture;
import dev.pgwarden.sidecar.recording.DirectoryStore;
import dev.pgwarden.sidecar.recording.S3Store;
import dev.pgwarden.testkit.TestS3;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code pgwarden replay}: the session list, a session's transcript, and following a live session. */
class ReplayCommandTest {
    private static final String S = "5c0ffee00001";

    @TempDir
    Path dir;

    private Path root;
    private DirectoryStore store;
    private RecordingFixture fixture;

    @BeforeEach
    void setUp() throws IOException {
        root = dir.resolve("recordings");
        store = new DirectoryStore(root);
        fixture = new RecordingFixture("pod-a@2026-11-23T22:00:00Z");
    }

    @Test
    void aSessionReadsAsTheAgentSawIt() throws IOException {
        RecordingFixture.putSession(store, "", S, fixture.sample(S), 2, 3);
        CliRun r = CliRun.run("replay", root, "--session", S);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(RecordingFixture.sampleTranscript(S));
        assertThat(r.err()).isEmpty();
    }

    @Test
    void theListShowsEachSessionOnce() throws IOException {
        RecordingFixture.putSession(store, "", S, fixture.sample(S), 4);
        RecordingFixture.putPart(store, "", "a0a0a0a0a0a0", 1, List.of(fixture.authFailure("a0a0a0a0a0a0")));
        List<String> open = fixture.plain("b0b0b0b0b0b0", 3);
        RecordingFixture.putPart(store, "", "b0b0b0b0b0b0", 1, open.subList(0, 3));
        CliRun r = CliRun.run("replay", root, "--list");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("""
           session    |    started (UTC)    |               subject               |  policy  | statements |    state
        --------------+---------------------+-------------------------------------+----------+------------+--------------
         5c0ffee00001 | 2026-11-23 22:27:31 | system:serviceaccount:agents:claude | prod-app |          4 | ended
         a0a0a0a0a0a0 | 2026-11-23 22:30:00 | agent                               |          |          0 | auth failure
         b0b0b0b0b0b0 | 2026-11-23 23:00:00 | system:serviceaccount:agents:claude | prod-app |          2 | open
        (3 sessions)
        """);
    }

    @Test
    @Timeout(30)
    void followPrintsPartsAsTheyArriveOnceEachAndStopsAtTheEnd() throws Exception {
        List<String> lines = fixture.sample(S);
        AtomicReference<Exception> failed = new AtomicReference<>();
        // The sidecar uploads a live session's parts one after another; here a thread plays the uploader.
        Thread uploader = new Thread(() -> {
            try {
                TimeUnit.MILLISECONDS.sleep(200);
                RecordingFixture.putPart(
                        store, "", S, 1, lines.subList(0, 2)); // ends with result_rows: its statement is next
                TimeUnit.MILLISECONDS.sleep(300);
                RecordingFixture.putPart(store, "", S, 2, lines.subList(2, 5));
                TimeUnit.MILLISECONDS.sleep(300);
                RecordingFixture.putPart(store, "", S, 3, lines.subList(5, 8));
            } catch (Exception e) {
                failed.set(e);
            }
        });
        uploader.start();
        CliRun r = follow(Map.of(), root.toString());
        uploader.join();
        assertThat(failed.get()).isNull();
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(RecordingFixture.sampleTranscript(S));
    }

    private CliRun follow(Map<String, String> env, String source, Object... more) {
        Object[] args = new Object[5 + more.length];
        System.arraycopy(new Object[] {"replay", source, "--session", S, "--follow"}, 0, args, 0, 5);
        System.arraycopy(more, 0, args, 5, more.length);
        Object[] withPoll = java.util.Arrays.copyOf(args, args.length + 2);
        withPoll[args.length] = "--poll";
        withPoll[args.length + 1] = "50ms";
        return CliRun.run(env, withPoll);
    }

    @Test
    @Timeout(30)
    void followOverS3() throws Exception {
        try (TestS3 s3 = TestS3.start("recordings");
                S3Store bucket = new S3Store("recordings", s3.endpoint(), null, TestS3.ACCESS_KEY, TestS3.SECRET_KEY)) {
            List<String> lines = fixture.sample(S);
            RecordingFixture.putPart(bucket, "agents", S, 1, lines.subList(0, 4));
            Thread uploader = new Thread(() -> {
                try {
                    TimeUnit.MILLISECONDS.sleep(300);
                    RecordingFixture.putPart(bucket, "agents", S, 2, lines.subList(4, 8));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            uploader.start();
            Map<String, String> env = Map.of(
                    "AWS_ACCESS_KEY_ID",
                    TestS3.ACCESS_KEY,
                    "AWS_SECRET_ACCESS_KEY",
                    TestS3.SECRET_KEY,
                    "AWS_ENDPOINT_URL",
                    s3.endpoint().toString());
            CliRun r = follow(env, "s3://recordings/agents", "--key-file", RecordingFixture.keyFile(dir));
            uploader.join();
            assertThat(r.exit()).isZero();
            assertThat(r.out()).isEqualTo(RecordingFixture.sampleTranscript(S));
            assertThat(r.err()).isEmpty();

            CliRun list = CliRun.run(env, "replay", "s3://recordings/agents", "--list");
            assertThat(list.out()).contains(" 5c0ffee00001 | 2026-11-23 22:27:31 |");
        }
    }

    @Test
    void withTheKeyABreakIsAWarningNotAFailure() throws IOException {
        RecordingFixture.putSession(store, "", S, fixture.sample(S), 4, 2);
        Path part = root.resolve(RecordingFixture.key("", S, 2));
        List<String> altered = RecordingFixture.readPart(part);
        altered.set(1, altered.get(1).replace("DELETE 12", "DELETE 1"));
        RecordingFixture.writePart(part, altered);
        CliRun r = CliRun.run("replay", root, "--session", S, "--key-file", RecordingFixture.keyFile(dir));
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("\nDELETE 1\n").contains("Session ended");
        assertThat(r.err())
                .isEqualTo("pgwarden: warning: the recording does not verify: part-000002.jsonl.gz line 2"
                        + " (seq 5): mac does not match: the event was altered\n");
    }

    @Test
    void aMissingPartIsAWarningEvenWithoutTheKey() throws IOException {
        RecordingFixture.putSession(store, "", S, fixture.sample(S), 4, 2);
        Files.delete(root.resolve(RecordingFixture.key("", S, 2)));
        CliRun r = CliRun.run("replay", root, "--session", S);
        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEqualTo("pgwarden: warning: part-000002.jsonl.gz is missing: a part was removed\n");
        assertThat(r.out()).doesNotContain("DELETE 12").contains("drop table customers");
    }

    @Test
    void anOpenSessionSaysSo() throws IOException {
        RecordingFixture.putPart(store, "", S, 1, fixture.sample(S).subList(0, 4));
        CliRun r = CliRun.run("replay", root, "--session", S);
        assertThat(r.exit()).isZero();
        assertThat(r.out())
                .endsWith("Time: 0.200 ms\n\n-- the recording stops here without session_end: the session is"
                        + " still open, or its end was removed\n");
    }

    @Test
    void anAuditLogReplaysOneSessionOfMany() throws IOException {
        List<String> log = new java.util.ArrayList<>(fixture.plain("aaaaaaaaaaaa", 1));
        log.addAll(fixture.sample(S));
        Path file = Files.write(dir.resolve("audit.jsonl"), log);
        CliRun r = CliRun.run("replay", file, "--session", S);
        assertThat(r.out()).isEqualTo(RecordingFixture.sampleTranscript(S));
    }

    @Test
    void usage() throws IOException {
        RecordingFixture.putSession(store, "", S, fixture.sample(S));
        assertThat(CliRun.run("replay", root).exit()).isEqualTo(2);
        assertThat(CliRun.run("replay", root, "--list", "--session", S).exit()).isEqualTo(2);
        assertThat(CliRun.run("replay", root, "--list", "--follow").exit()).isEqualTo(2);
        assertThat(CliRun.run("replay", root, "--session", S, "--poll", "soon").exit())
                .isEqualTo(2);
        CliRun missing = CliRun.run("replay", root, "--session", "nosuchsession");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("no session nosuchsession in " + root);
    }
}
