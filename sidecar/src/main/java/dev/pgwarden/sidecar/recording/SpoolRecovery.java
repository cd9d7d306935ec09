package dev.pgwarden.sidecar.recording;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgwarden.sidecar.audit.AuditChain;
import dev.pgwarden.sidecar.audit.SessionChains;
import dev.pgwarden.sidecar.audit.SessionEnded;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes the parts an earlier run left open (it was killed, or the node died). What the part
 * holds up to its last flushed batch is kept; a half-written last line is dropped; and a
 * {@code session_end} naming the crash is chained after the last event,
 * so the recording says how the session ended instead of looking truncated.
 */
final class SpoolRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(SpoolRecovery.class);
    static final String CRASH_REASON = "the sidecar stopped without closing the session (killed or crashed);"
            + " recovered from the spool at the next start";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SpoolRecovery() {}

    /** @return how many open parts were finished */
    static int recover(Spool spool, SessionChains chains) throws IOException {
        List<Path> open = new ArrayList<>();
        try (Stream<Path> files = Files.walk(spool.root())) {
            files.filter(f -> f.getFileName().toString().endsWith(Spool.OPEN))
                    .sorted()
                    .forEach(open::add);
        }
        for (Path part : open) {
            recoverPart(part, chains);
        }
        return open.size();
    }

    private static void recoverPart(Path open, SessionChains chains) throws IOException {
        List<String> lines = salvage(open);
        String name = open.getFileName().toString();
        Path finished = open.resolveSibling(name.substring(0, name.length() - Spool.OPEN.length()));
        if (lines.isEmpty()) {
            LOG.warn("recording part {} was left empty by the previous run; removed", open);
            Files.delete(open);
            return;
        }
        String last = lines.get(lines.size() - 1);
        JsonNode lastEvent;
        try {
            lastEvent = JSON.readTree(last);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            // A damaged line must not keep the sidecar from starting: the part is kept as it is, and
            // verification reports the damage there.
            lastEvent = JSON.nullNode();
        }
        AuditChain.Unsealed sealed = AuditChain.unseal(last);
        String session = lastEvent.path("session").asText(null);
        boolean ended = SessionEnded.EVENT.equals(lastEvent.path("event").asText());
        // Chained onto the last event as it stands: if that was altered, verification reports it there.
        if (!ended && sealed != null && session != null) {
            chains.resume(session, lastEvent.path("seq").asLong(), sealed.mac());
            Map<String, Object> end = new LinkedHashMap<>();
            end.put("ts", Instant.now().toString());
            end.put("event", SessionEnded.EVENT);
            end.put("session", session);
            end.put("reason", CRASH_REASON);
            lines.add(new String(chains.seal(session, JSON.writeValueAsBytes(end)), StandardCharsets.UTF_8));
            chains.forget(session);
        }
        Path rewritten = open.resolveSibling(name + ".recovered");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(rewritten))) {
            for (String line : lines) {
                out.write(line.getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        }
        Files.move(rewritten, finished, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.delete(open);
        LOG.warn(
                "recording part {} left open by the previous run: {} events kept{}",
                finished,
                lines.size(),
                ended ? "" : ", session end recorded");
    }

    /**
     * The complete lines of a gzip stream that may stop anywhere. Read in raw bytes: a reader's
     * read-ahead would lose the last decoded block when the cut stream throws.
     */
    static List<String> salvage(Path part) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(part))) {
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                data.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // The stream stops where the crash cut it: everything decoded before that is kept.
        }
        List<String> lines = new ArrayList<>();
        byte[] bytes = data.toByteArray();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                lines.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return lines; // a last line without its newline was cut mid-write: dropped
    }
}
