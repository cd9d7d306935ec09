package dev.pgwarden.cli.recordings;

import dev.pgwarden.sidecar.recording.ObjectStore;
import dev.pgwarden.sidecar.recording.RecordingLayout;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Reads one gzip part of a recording. A part that is not complete gzip (cut short, a byte
 * changed: gzip's CRC notices) still yields the lines before the damage, then a problem naming
 * the part. Failing to reach the store is not a problem of the recording, and is thrown.
 */
final class PartReader {
    private PartReader() {}

    static void read(ObjectStore store, RecordingLayout.PartName part, RecordingVisitor visitor) throws IOException {
        String name = RecordingLayout.partFileName(part.part());
        byte[] compressed;
        // Fetched whole first (a part is a few MiB at most), so that an I/O error while reading it is
        // the store's and a decompression error is the part's.
        try (InputStream in = store.get(part.key())) {
            compressed = in.readAllBytes();
        } catch (FileNotFoundException e) {
            visitor.problem(part.session(), name + " is missing: it was listed, then removed");
            return;
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed), 1 << 16)) {
            LineSplitter.split(
                    in,
                    (number, text, terminated) ->
                            visitor.line(part.session(), RecordedLine.parse(name + " line " + number, text)));
        } catch (IOException e) {
            visitor.problem(
                    part.session(),
                    name + " is not a complete gzip file (" + e.getMessage()
                            + "): it was cut short or altered; what follows its last whole line is lost");
        }
    }
}
