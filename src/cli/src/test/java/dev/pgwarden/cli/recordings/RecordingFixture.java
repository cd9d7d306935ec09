package dev.pgwarden.cli.recordings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgwarden.sidecar.audit.AuditChain;
import dev.pgwarden.sidecar.audit.AuditEvent;
import dev.pgwarden.sidecar.audit.AuthenticationFailed;
import dev.pgwarden.sidecar.audit.NoticeSent;
import dev.pgwarden.sidecar.audit.ResultRows;
import dev.pgwarden.sidecar.audit.SessionChains;
import dev.pgwarden.sidecar.audit.SessionEnded;
import dev.pgwarden.sidecar.audit.SessionStarted;
import dev.pgwarden.sidecar.audit.StatementAudited;
import dev.pgwarden.sidecar.recording.ObjectStore;
import dev.pgwarden.sidecar.recording.RecordingLayout;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Recordings written the way the sidecar writes them: the audit records serialized by Jackson,
 * sealed into chains by {@link SessionChains} with a known key, stored as gzip parts under
 * {@link RecordingLayout}'s keys in a real store.
 */
public final class RecordingFixture {
    public static final byte[] KEY = "pgwarden-test-audit-key-32-bytes!".getBytes(StandardCharsets.US_ASCII);
    static final LocalDate DAY = LocalDate.of(2026, 11, 23);
    static final String SUBJECT = "system:serviceaccount:agents:claude";

    private final ObjectMapper json = new ObjectMapper();
    private final SessionChains chains;

    /** @param instance names the sidecar run, as the sidecar stamps it on each session's first event */
    public RecordingFixture(String instance) {
        this.chains = new SessionChains(AuditChain.of(KEY), instance);
    }

    public static Path keyFile(Path dir) throws IOException {
        return Files.write(dir.resolve("audit.key"), KEY);
    }

    String seal(AuditEvent event) {
        try {
            return new String(chains.seal(event.session(), json.writeValueAsBytes(event)), StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A short session with one of each thing a transcript shows: rows, parameters, a masked column,
     * an error, a notice, an approved statement, a refused one, the end. Eight events, seq 0 to 7.
     */
    public List<String> sample(String session) {
        List<String> lines = new ArrayList<>();
        lines.add(seal(new SessionStarted(
                "2026-11-23T22:27:31.254Z",
                session,
                SUBJECT,
                "https://kubernetes.default.svc",
                "agents/claude",
                "agents/claude-7d9c",
                null,
                "prod-app",
                "app",
                "10.0.0.7:51234",
                "agent",
                "psql",
                "pgwarden_app",
                4242,
                Map.of("DateStyle", "ISO, MDY"))));
        lines.add(seal(new ResultRows(
                "2026-11-23T22:27:31.301Z",
                session,
                List.of("id", "email"),
                List.of(List.of("1", "****@example.com"), Arrays.asList("2", null)),
                null)));
        lines.add(seal(statement(
                session,
                "2026-11-23T22:27:31.301Z",
                "select id, email from customers where id < $1",
                List.of("3"),
                "ok",
                "SELECT 2",
                2L,
                0.412,
                null,
                null,
                "Allow",
                "defaultAction",
                null,
                null,
                null,
                List.of("public.customers.email"))));
        lines.add(seal(statement(
                session,
                "2026-11-23T22:27:32.010Z",
                "select * from nope",
                null,
                "error",
                null,
                null,
                0.2,
                "42P01",
                "relation \"nope\" does not exist",
                "Allow",
                "defaultAction",
                null,
                null,
                null,
                null)));
        lines.add(seal(new NoticeSent(
                "2026-11-23T22:27:32.500Z",
                session,
                "NOTICE",
                "00000",
                "approval pgw-x1y2z3 requested: waiting for a reviewer")));
        lines.add(seal(statement(
                session,
                "2026-11-23T22:27:40.500Z",
                "delete from orders where created < now() - interval '1 year'",
                null,
                "ok",
                "DELETE 12",
                12L,
                3.1,
                null,
                null,
                "RequireApproval",
                "bulk-delete",
                "pgw-x1y2z3",
                "approved",
                "alice@example.com",
                null)));
        lines.add(seal(statement(
                session,
                "2026-11-23T22:27:41.000Z",
                "drop table customers;",
                null,
                "refused",
                null,
                null,
                null,
                "42501",
                "pgwarden: DROP is denied by rule no-drop",
                "Deny",
                "no-drop",
                null,
                null,
                null,
                null)));
        lines.add(seal(new SessionEnded(
                "2026-11-23T22:29:59.454Z", session, SUBJECT, 148_200, 4, 1200, 5400, "client disconnected")));
        return lines;
    }

    /** The transcript {@code replay} prints for {@link #sample}. */
    public static String sampleTranscript(String session) {
        return """
        Session %s (times in UTC)
          started      2026-11-23 22:27:31.254
          subject      system:serviceaccount:agents:claude
          pod          agents/claude-7d9c
          policy       prod-app
          database     app
          client       10.0.0.7:51234
          application  psql

        [22:27:31.301] system:serviceaccount:agents:claude=> select id, email from customers where id < $1;
        -- $1='3'
        -- masked columns: public.customers.email
         id |      email
        ----+------------------
          1 | ****@example.com
          2 |
        (2 rows)
        Time: 0.412 ms

        [22:27:32.010] system:serviceaccount:agents:claude=> select * from nope;
        ERROR:  42P01: relation "nope" does not exist
        Time: 0.200 ms

        NOTICE:  approval pgw-x1y2z3 requested: waiting for a reviewer
        [22:27:40.500] system:serviceaccount:agents:claude=> delete from orders where created < now() - interval '1 year';
        -- pgwarden: RequireApproval by rule bulk-delete; approval pgw-x1y2z3 approved by alice@example.com
        DELETE 12
        Time: 3.100 ms

        [22:27:41.000] system:serviceaccount:agents:claude=> drop table customers;
        -- REFUSED by pgwarden: Deny by rule no-drop; not sent to the database
        ERROR:  42501: pgwarden: DROP is denied by rule no-drop

        Session ended [22:29:59.454]: client disconnected; 4 statements in 148.2 s
        """.formatted(session);
    }

    /** A refused connection: a session of one event. */
    public String authFailure(String session) {
        return seal(new AuthenticationFailed(
                "2026-11-23T22:30:00.000Z",
                session,
                "10.0.0.9:40000",
                "agent",
                "token expired",
                "28P01",
                "password authentication failed"));
    }

    /** A session with just a start, {@code statements} plain statements, and an end. */
    public List<String> plain(String session, int statements) {
        List<String> lines = new ArrayList<>();
        lines.add(seal(new SessionStarted(
                "2026-11-23T23:00:00.000Z",
                session,
                SUBJECT,
                null,
                null,
                null,
                null,
                "prod-app",
                "app",
                "10.0.0.7:50000",
                "agent",
                null,
                null,
                null,
                null)));
        for (int i = 0; i < statements; i++) {
            lines.add(seal(statement(
                    session,
                    "2026-11-23T23:00:01.000Z",
                    "select " + i,
                    null,
                    "ok",
                    "SELECT 1",
                    1L,
                    0.1,
                    null,
                    null,
                    "Allow",
                    "defaultAction",
                    null,
                    null,
                    null,
                    null)));
        }
        lines.add(seal(new SessionEnded(
                "2026-11-23T23:00:02.000Z", session, SUBJECT, 2000, statements, 0, 0, "client disconnected")));
        return lines;
    }

    private static StatementAudited statement(
            String session,
            String ts,
            String sql,
            List<String> parameters,
            String outcome,
            String tag,
            Long rows,
            Double durationMs,
            String sqlstate,
            String message,
            String decision,
            String rule,
            String approval,
            String approvalOutcome,
            String reviewer,
            List<String> masked) {
        return new StatementAudited(
                ts,
                session,
                SUBJECT,
                "prod-app",
                "app",
                "extended",
                sql,
                parameters,
                outcome,
                tag,
                rows,
                durationMs,
                sqlstate,
                null,
                null,
                null,
                decision,
                rule,
                approval,
                approvalOutcome,
                reviewer,
                masked,
                message,
                null);
    }

    /** The key of a part, below the prefix. */
    public static String key(String prefix, String session, int part) {
        return RecordingLayout.normalizePrefix(prefix) + RecordingLayout.partPath(DAY, session, part);
    }

    /** Stores lines as one gzip part, as the uploader does. */
    public static void putPart(ObjectStore store, String prefix, String session, int part, List<String> lines)
            throws IOException {
        Path file = Files.createTempFile("part", ".jsonl.gz");
        try {
            Files.write(file, gzip(lines));
            store.put(key(prefix, session, part), file);
        } finally {
            Files.delete(file);
        }
    }

    /** Stores a session's lines split into parts at the given line counts (the rest in the last part). */
    public static void putSession(
            ObjectStore store, String prefix, String session, List<String> lines, int... partSizes) throws IOException {
        int from = 0;
        int part = 1;
        for (int size : partSizes) {
            putPart(store, prefix, session, part++, lines.subList(from, from + size));
            from += size;
        }
        putPart(store, prefix, session, part, lines.subList(from, lines.size()));
    }

    static byte[] gzip(List<String> lines) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            for (String line : lines) {
                out.write(line.getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        }
        return bytes.toByteArray();
    }

    /** The lines of a part file, to alter them in a test. */
    public static List<String> readPart(Path file) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(Files.readAllBytes(file)))) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new ArrayList<>(List.of(text.split("\n")));
        }
    }

    public static void writePart(Path file, List<String> lines) throws IOException {
        Files.write(file, gzip(lines));
    }
}
