package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgwarden.sidecar.audit.AuditChain;
import dev.pgwarden.sidecar.recording.ObjectStore;
import dev.pgwarden.sidecar.recording.RecordingLayout;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** Reads recorded sessions back from a store, the way an auditor would, checking their chains. */
final class RecordedSessions {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RecordedSessions() {}

    /** One session as stored: its raw lines in part order, and the part numbers seen. */
    record Recorded(String session, List<Integer> parts, List<String> lines) {
        List<JsonNode> events() {
            return lines.stream().map(RecordedSessions::parse).toList();
        }

        boolean ended() {
            return !lines.isEmpty()
                    && events().get(lines.size() - 1).path("event").asText().equals("session_end");
        }

        /** Parts numbered 1..n, seq 0..n-1, and every mac chained to the one before under the key. */
        void assertIntact(AuditChain chain) {
            for (int i = 0; i < parts.size(); i++) {
                assertThat(parts.get(i))
                        .as("part numbers of session %s", session)
                        .isEqualTo(i + 1);
            }
            String previous = "";
            for (int seq = 0; seq < lines.size(); seq++) {
                String line = lines.get(seq);
                assertThat(parse(line).path("seq").asLong())
                        .as("seq of line %d of session %s", seq, session)
                        .isEqualTo(seq);
                AuditChain.Unsealed sealed = AuditChain.unseal(line);
                assertThat(sealed).as("line %d is sealed", seq).isNotNull();
                assertThat(chain.mac(previous, sealed.body(), sealed.body().length))
                        .as("mac of seq %d", seq)
                        .isEqualTo(sealed.mac());
                previous = sealed.mac();
            }
        }
    }

    static Map<String, Recorded> read(ObjectStore store, String prefix) {
        try {
            Map<String, Recorded> sessions = new LinkedHashMap<>();
            for (String key : store.list(prefix)) {
                RecordingLayout.PartName part = RecordingLayout.parse(key);
                if (part == null) {
                    continue;
                }
                Recorded r = sessions.computeIfAbsent(
                        part.session(), s -> new Recorded(s, new ArrayList<>(), new ArrayList<>()));
                r.parts().add(part.part());
                try (InputStream in = new GZIPInputStream(store.get(key));
                        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    reader.lines().forEach(r.lines()::add);
                }
            }
            return sessions;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits (bounded) until the store holds the session's session_end. */
    static Recorded awaitEnded(ObjectStore store, String prefix, String session, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Recorded last = null;
        while (System.nanoTime() < deadline) {
            last = read(store, prefix).get(session);
            if (last != null && last.ended()) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("session " + session + " did not reach the store complete within " + timeout
                + "; stored so far: " + (last == null ? "nothing" : last.lines()));
    }

    static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + line, e);
        }
    }
}
