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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pgwarden audit verify}: a line per session, a summary, and an exit code scripts can use. */
class AuditVerifyCommandTest {
    private static final String S = "5c0ffee00001";
    private static final String A = "a0a0a0a0a0a0";

    @TempDir
    Path dir;

    private Path root;
    private Path key;
    private RecordingFixture fixture;

    @BeforeEach
    void setUp() throws IOException {
        root = dir.resolve("recordings");
        key = RecordingFixture.keyFile(dir);
        fixture = new RecordingFixture("pod-a@2026-11-23T22:00:00Z");
    }

    private void storeSessions(dev.pgwarden.sidecar.recording.ObjectStore store, String prefix) throws IOException {
        RecordingFixture.putSession(store, prefix, S, fixture.sample(S), 4, 2);
        RecordingFixture.putPart(store, prefix, A, 1, List.of(fixture.authFailure(A)));
    }

    @Test
    void intactRecordingsExitZero() throws IOException {
        storeSessions(new DirectoryStore(root), "");
        CliRun r = CliRun.run("audit", "verify", root, "--key-file", key);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("""
        OK      5c0ffee00001  8 events, session_end: client disconnected
        OK      a0a0a0a0a0a0  1 event, auth_failure: token expired
        2 sessions in %s: 2 intact, 0 broken
        """.formatted(root));
    }

    @Test
    void aBreakExitsOneAndSaysWhere() throws IOException {
        storeSessions(new DirectoryStore(root), "");
        Files.delete(root.resolve(RecordingFixture.key("", S, 2)));
        CliRun r = CliRun.run("audit", "verify", root, "--key-file", key);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out())
                .contains("BROKEN  5c0ffee00001  part-000002.jsonl.gz is missing: a part was removed\n")
                .contains("OK      a0a0a0a0a0a0")
                .contains(": 1 intact, 1 broken");
    }

    @Test
    void aRemovedSessionIsABreakBeyondSingleSessions() throws IOException {
        DirectoryStore store = new DirectoryStore(root);
        for (String id : List.of("aaaaaaaaaaa1", "aaaaaaaaaaa2", "aaaaaaaaaaa3")) {
            RecordingFixture.putSession(store, "", id, fixture.plain(id, 1));
        }
        Files.delete(root.resolve(RecordingFixture.key("", "aaaaaaaaaaa2", 1)));
        CliRun r = CliRun.run("audit", "verify", root, "--key-file", key);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out())
                .contains("BROKEN  instance pod-a@2026-11-23T22:00:00Z: session ordinal 2 is missing: a whole"
                        + " session was removed\n")
                .contains("2 sessions in " + root + ": 2 intact, 0 broken; 1 more break beyond" + " single sessions");
    }

    @Test
    void anOpenSessionFailsUnlessAllowed() throws IOException {
        DirectoryStore store = new DirectoryStore(root);
        List<String> lines = fixture.sample(S);
        RecordingFixture.putPart(store, "", S, 1, lines.subList(0, 5));
        CliRun strict = CliRun.run("audit", "verify", root, "--key-file", key);
        assertThat(strict.exit()).isEqualTo(1);
        assertThat(strict.out()).contains("BROKEN  5c0ffee00001  ends at seq 4 without session_end");
        CliRun live = CliRun.run("audit", "verify", root, "--key-file", key, "--allow-open");
        assertThat(live.exit()).isZero();
        assertThat(live.out())
                .contains("OK      5c0ffee00001  5 events, open: no session_end yet")
                .contains("1 intact (1 still open), 0 broken");
    }

    @Test
    void oneSessionOnly() throws IOException {
        storeSessions(new DirectoryStore(root), "");
        CliRun r = CliRun.run("audit", "verify", root, "--key-file", key, "--session", A);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).doesNotContain(S).contains("OK      a0a0a0a0a0a0");
        CliRun missing = CliRun.run("audit", "verify", root, "--key-file", key, "--session", "nosuchsession");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("no session nosuchsession in " + root);
    }

    @Test
    void anAuditLogFileVerifies() throws IOException {
        Path log = Files.write(dir.resolve("audit.jsonl"), fixture.sample(S));
        CliRun r = CliRun.run("audit", "verify", log, "--key-file", key);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("OK      5c0ffee00001  8 events");
    }

    @Test
    void whatCannotBeVerifiedExitsTwo() throws IOException {
        storeSessions(new DirectoryStore(root), "");
        assertThat(CliRun.run("audit", "verify", root).exit()).isEqualTo(2);
        CliRun noKey = CliRun.run("audit", "verify", root, "--key-file", dir.resolve("nope.key"));
        assertThat(noKey.exit()).isEqualTo(2);
        assertThat(noKey.err()).contains("no key file " + dir.resolve("nope.key"));
        Path shortKey = Files.write(dir.resolve("short.key"), new byte[8]);
        assertThat(CliRun.run("audit", "verify", root, "--key-file", shortKey).err())
                .contains("the audit key must hold at least 32 bytes");
        CliRun noSource = CliRun.run("audit", "verify", dir.resolve("elsewhere"), "--key-file", key);
        assertThat(noSource.exit()).isEqualTo(2);
        assertThat(noSource.err()).contains("no recordings at " + dir.resolve("elsewhere"));
        CliRun noCredentials = CliRun.run(
                "audit", "verify", "s3://recordings/agents", "--key-file", key, "--s3-endpoint", "http://127.0.0.1:9");
        assertThat(noCredentials.exit()).isEqualTo(2);
        assertThat(noCredentials.err()).contains("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
        assertThat(CliRun.run("audit").exit()).isEqualTo(2);
    }

    @Test
    void s3RecordingsVerifyAndARemovedObjectIsFound() throws Exception {
        try (TestS3 s3 = TestS3.start("recordings");
                S3Store store = new S3Store("recordings", s3.endpoint(), null, TestS3.ACCESS_KEY, TestS3.SECRET_KEY)) {
            storeSessions(store, "agents/");
            RecordingFixture.putSession(store, "other/", "0ther0ther00", fixture.plain("0ther0ther00", 1));
            Map<String, String> env = Map.of(
                    "AWS_ACCESS_KEY_ID",
                    TestS3.ACCESS_KEY,
                    "AWS_SECRET_ACCESS_KEY",
                    TestS3.SECRET_KEY,
                    "AWS_ENDPOINT_URL",
                    s3.endpoint().toString());
            CliRun r = CliRun.run(env, "audit", "verify", "s3://recordings/agents", "--key-file", key);
            assertThat(r.exit()).isZero();
            assertThat(r.out())
                    .contains("OK      5c0ffee00001  8 events")
                    .contains("OK      a0a0a0a0a0a0")
                    .doesNotContain("0ther0ther00")
                    .contains("2 sessions in s3://recordings/agents: 2 intact, 0 broken");

            s3.blobs().removeBlob("recordings", RecordingFixture.key("agents/", S, 3));
            CliRun broken = CliRun.run(
                    Map.of("AWS_ACCESS_KEY_ID", TestS3.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", TestS3.SECRET_KEY),
                    "audit",
                    "verify",
                    "s3://recordings/agents/",
                    "--key-file",
                    key,
                    "--s3-endpoint",
                    s3.endpoint(),
                    "--s3-region",
                    "eu-west-1");
            assertThat(broken.exit()).isEqualTo(1);
            assertThat(broken.out()).contains("BROKEN  5c0ffee00001  ends at seq 5 without session_end");
        }
    }
}
