package dev.pgwarden.cli.recordings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.pgwarden.sidecar.audit.AuditChain;
import dev.pgwarden.sidecar.recording.DirectoryStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a recording can be tampered with, each on real gzip parts in a directory store, and
 * the break the verifier reports for it: where it is and what it means.
 */
class ChainVerifierTest {
    private static final String S = "5c0ffee00001";

    @TempDir
    Path root;

    private RecordingFixture fixture;
    private DirectoryStore store;

    @BeforeEach
    void setUp() throws IOException {
        fixture = new RecordingFixture("pod-a@2026-11-23T22:00:00Z");
        store = new DirectoryStore(root);
    }

    /** The sample session in three parts: seq 0-3, 4-5, 6-7. */
    private void storeSample() throws IOException {
        RecordingFixture.putSession(store, "", S, fixture.sample(S), 4, 2);
    }

    private Path part(int n) {
        return root.resolve(RecordingFixture.key("", S, n));
    }

    private void alter(int n, Consumer<List<String>> change) throws IOException {
        List<String> lines = RecordingFixture.readPart(part(n));
        change.accept(lines);
        RecordingFixture.writePart(part(n), lines);
    }

    private VerificationReport verify(boolean allowOpen) throws IOException {
        return new ChainVerifier(AuditChain.of(RecordingFixture.KEY), allowOpen)
                .verifyAll(new StoreSource(store, "", root.toString()));
    }

    private String problem() throws IOException {
        VerificationReport report = verify(false);
        assertThat(report.sessions()).hasSize(1);
        return report.sessions().get(0).problem();
    }

    @Test
    void intactSessionsVerifyAndSayHowTheyEnded() throws IOException {
        storeSample();
        RecordingFixture.putPart(store, "", "a0a0a0a0a0a0", 1, List.of(fixture.authFailure("a0a0a0a0a0a0")));
        VerificationReport report = verify(false);
        assertThat(report.intact()).isTrue();
        assertThat(report.problems()).isEmpty();
        assertThat(report.sessions())
                .extracting(SessionVerdict::session, SessionVerdict::events, SessionVerdict::ending)
                .containsExactly(
                        tuple(S, 8L, "session_end: client disconnected"),
                        tuple("a0a0a0a0a0a0", 1L, "auth_failure: token expired"));
        assertThat(report.sessions())
                .extracting(SessionVerdict::instance, SessionVerdict::ordinal)
                .containsExactly(tuple("pod-a@2026-11-23T22:00:00Z", 1L), tuple("pod-a@2026-11-23T22:00:00Z", 2L));
    }

    @Test
    void anEditedFieldIsReportedAtItsLineAsAltered() throws IOException {
        storeSample();
        alter(2, lines -> lines.set(1, lines.get(1).replace("DELETE 12", "DELETE 1")));
        assertThat(problem())
                .isEqualTo("part-000002.jsonl.gz line 2 (seq 5): mac does not match: the event was altered");
    }

    @Test
    void anEditedFirstEventIsAlteredWhenLaterEventsVerify() throws IOException {
        storeSample();
        alter(1, lines -> lines.set(0, lines.get(0).replace("prod-app", "dev-app")));
        assertThat(problem())
                .isEqualTo("part-000001.jsonl.gz line 1 (seq 0): mac does not match: the event was altered");
    }

    @Test
    void aRemovedLineIsAMissingSeq() throws IOException {
        storeSample();
        alter(1, lines -> lines.remove(2));
        assertThat(problem())
                .isEqualTo("seq 2 is missing (part-000001.jsonl.gz line 3 has seq 3): an event was removed");
    }

    @Test
    void aDamagedLineIsNamed() throws IOException {
        storeSample();
        alter(1, lines -> lines.set(2, lines.get(2).substring(0, 40)));
        assertThat(problem())
                .isEqualTo("part-000001.jsonl.gz line 3: not a sealed audit event (not JSON, or without seq"
                        + " and mac): the line was damaged");
    }

    @Test
    void aRemovedFirstLineMeansTheStartWasRemoved() throws IOException {
        storeSample();
        alter(1, lines -> lines.remove(0));
        assertThat(problem())
                .isEqualTo(
                        "part-000001.jsonl.gz line 1 (seq 1): the recording starts at seq 1, not 0: its first events were removed");
    }

    @Test
    void removedLastLinesLookLikeAnOpenSessionAndAreAcceptedOnlyWithAllowOpen() throws IOException {
        storeSample();
        alter(3, lines -> lines.subList(0, 2).clear());
        Files.delete(part(3));
        assertThat(problem())
                .isEqualTo("ends at seq 5 without session_end: events after it were removed, or the session"
                        + " is still running (give --allow-open to accept live sessions)");
        SessionVerdict open = verify(true).sessions().get(0);
        assertThat(open.intact()).isTrue();
        assertThat(open.open()).isTrue();
    }

    @Test
    void removedLinesAtTheEndOfAPart() throws IOException {
        storeSample();
        alter(3, lines -> lines.remove(1));
        assertThat(problem()).startsWith("ends at seq 6 without session_end");
    }

    @Test
    void aRemovedPartIsNamed() throws IOException {
        storeSample();
        Files.delete(part(2));
        assertThat(problem()).isEqualTo("part-000002.jsonl.gz is missing: a part was removed");
    }

    @Test
    void aRemovedFirstPartIsNamed() throws IOException {
        storeSample();
        Files.delete(part(1));
        assertThat(problem()).isEqualTo("part-000001.jsonl.gz is missing: a part was removed");
    }

    @Test
    void aTruncatedGzipPartIsNotComplete() throws IOException {
        storeSample();
        byte[] bytes = Files.readAllBytes(part(2));
        Files.write(part(2), java.util.Arrays.copyOf(bytes, bytes.length - 10));
        assertThat(problem())
                .startsWith("part-000002.jsonl.gz is not a complete gzip file (")
                .endsWith("): it was cut short or altered; what follows its last whole line is lost");
    }

    @Test
    void aChangedByteInsideGzipIsCaught() throws IOException {
        storeSample();
        byte[] bytes = Files.readAllBytes(part(1));
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(part(1), bytes);
        assertThat(problem()).startsWith("part-000001.jsonl.gz is not a complete gzip file");
    }

    @Test
    void swappedLinesAreOutOfOrder() throws IOException {
        storeSample();
        alter(1, lines -> Collections.swap(lines, 2, 3));
        assertThat(problem())
                .isEqualTo("out of order: part-000001.jsonl.gz line 4 (seq 2) comes after"
                        + " part-000001.jsonl.gz line 3 (seq 3): events or parts were reordered");
    }

    @Test
    void swappedPartsAreOutOfOrder() throws IOException {
        storeSample();
        Path moved = root.resolve("swap");
        Files.move(part(2), moved);
        Files.move(part(3), part(2));
        Files.move(moved, part(3));
        assertThat(problem())
                .isEqualTo("out of order: part-000003.jsonl.gz line 1 (seq 4) comes after"
                        + " part-000002.jsonl.gz line 1 (seq 6): events or parts were reordered");
    }

    @Test
    void aWrongKeyVerifiesNothing() throws IOException {
        storeSample();
        VerificationReport report = new ChainVerifier(
                        AuditChain.of("another-key-of-at-least-32-bytes!!".getBytes()), false)
                .verifyAll(new StoreSource(store, "", root.toString()));
        assertThat(report.sessions().get(0).problem())
                .isEqualTo(
                        "no event of this session verifies: the key is not the one the sidecar used, or every event was rewritten");
    }

    @Test
    void anEventMovedFromAnotherSessionIsNamed() throws IOException {
        storeSample();
        List<String> other = fixture.plain("0ther0ther00", 1);
        alter(2, lines -> lines.add(1, other.get(1)));
        assertThat(problem())
                .isEqualTo("part-000002.jsonl.gz line 2 (seq 1): belongs to session 0ther0ther00: it was"
                        + " moved here from another recording");
    }

    @Test
    void aWholeRemovedSessionIsAGapInItsInstanceOrdinals() throws IOException {
        List<String> ids = List.of("aaaaaaaaaaa1", "aaaaaaaaaaa2", "aaaaaaaaaaa3", "aaaaaaaaaaa4", "aaaaaaaaaaa5");
        for (String id : ids) {
            RecordingFixture.putSession(store, "", id, fixture.plain(id, 2));
        }
        Files.delete(root.resolve(RecordingFixture.key("", "aaaaaaaaaaa2", 1)));
        Files.delete(root.resolve(RecordingFixture.key("", "aaaaaaaaaaa3", 1)));
        Files.delete(root.resolve(RecordingFixture.key("", "aaaaaaaaaaa4", 1)));
        VerificationReport report = verify(false);
        assertThat(report.sessions())
                .extracting(SessionVerdict::session)
                .containsExactly("aaaaaaaaaaa1", "aaaaaaaaaaa5");
        assertThat(report.problems())
                .containsExactly("instance pod-a@2026-11-23T22:00:00Z: session ordinals 2 to 4 are"
                        + " missing: whole sessions were removed");
        assertThat(report.intact()).isFalse();
    }

    @Test
    void oneMissingOrdinalInOneOfTwoInstances() throws IOException {
        RecordingFixture other = new RecordingFixture("pod-b@2026-11-23T21:00:00Z");
        for (String id : List.of("aaaaaaaaaaa1", "aaaaaaaaaaa2", "aaaaaaaaaaa3")) {
            RecordingFixture.putSession(store, "", id, fixture.plain(id, 1));
            RecordingFixture.putSession(store, "", id.replace('a', 'b'), other.plain(id.replace('a', 'b'), 1));
        }
        Files.delete(root.resolve(RecordingFixture.key("", "bbbbbbbbbbb2", 1)));
        assertThat(verify(false).problems())
                .containsExactly(
                        "instance pod-b@2026-11-23T21:00:00Z: session ordinal 2 is missing: a whole session was removed");
    }

    @Test
    void anAuditLogOfInterleavedSessionsVerifiesAndNamesItsLines() throws IOException {
        List<String> a = fixture.sample(S);
        List<String> b = fixture.plain("bbbbbbbbbbbb", 3);
        List<String> log = new ArrayList<>();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            if (i < a.size()) {
                log.add(a.get(i));
            }
            if (i < b.size()) {
                log.add(b.get(i));
            }
        }
        Path file = root.resolve("audit.jsonl");
        Files.write(file, log);
        ChainVerifier verifier = new ChainVerifier(AuditChain.of(RecordingFixture.KEY), false);
        VerificationReport report = verifier.verifyAll(new AuditLogSource(file));
        assertThat(report.intact()).isTrue();
        assertThat(report.sessions()).extracting(SessionVerdict::events).containsExactly(8L, 5L);

        Path gz = root.resolve("audit.jsonl.gz");
        Files.write(gz, RecordingFixture.gzip(log));
        assertThat(verifier.verifyAll(new AuditLogSource(gz)).intact()).isTrue();

        log.set(4, log.get(4).replace("select id, email", "select id"));
        Files.write(file, log);
        report = verifier.verifyAll(new AuditLogSource(file));
        assertThat(report.sessions().get(0).problem())
                .isEqualTo("audit.jsonl line 5 (seq 2): mac does not match: the event was altered");
        assertThat(report.sessions().get(1).intact()).isTrue();
    }

    @Test
    void oneSessionOfAnAuditLog() throws IOException {
        List<String> log = new ArrayList<>(fixture.plain("aaaaaaaaaaaa", 1));
        log.addAll(fixture.plain("bbbbbbbbbbbb", 2));
        log.add(2, "not json: captured with the log");
        Path file = Files.write(root.resolve("audit.jsonl"), log);
        VerificationReport report = new ChainVerifier(AuditChain.of(RecordingFixture.KEY), false)
                .verify(new AuditLogSource(file), "bbbbbbbbbbbb");
        assertThat(report.sessions()).singleElement().satisfies(v -> {
            assertThat(v.intact()).isTrue();
            assertThat(v.events()).isEqualTo(4);
        });
    }
}
