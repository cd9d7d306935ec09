package dev.pgwarden.cli.recordings;

import dev.pgwarden.sidecar.audit.AuditChain;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The audit log the sidecar writes to standard output, saved to a file (optionally gzipped): every
 * session's events interleaved, one line each, the same sealed lines as in the recordings. Lines
 * are grouped by their {@code session} member. Lines that are not pgwarden's (other output
 * captured with the log) are passed over; a line that starts like a sealed event but cannot be
 * read is reported, since it may be an event that was damaged.
 */
final class AuditLogSource implements RecordingSource {
    private final Path file;
    private final String name;

    AuditLogSource(Path file) {
        this.file = file;
        this.name = file.getFileName().toString();
    }

    @Override
    public void readAll(RecordingVisitor visitor) throws IOException {
        scan(
                (number, line, terminated) -> {
                    String session = line.session();
                    if (session != null) {
                        visitor.line(session, line);
                    } else if (line.text().startsWith("{\"seq\":")) {
                        visitor.problem(null, line.where() + " is a damaged audit event: its session cannot be read");
                    }
                },
                visitor);
    }

    @Override
    public SessionReader reader(String session) {
        return new SessionReader() {
            private int consumed;
            private boolean found;

            @Override
            public void readNew(RecordingVisitor visitor) throws IOException {
                scan(
                        (number, line, terminated) -> {
                            // A line still being written is left for the next read; a last line that merely lacks
                            // its newline is whole when it ends with its mac, which half a line cannot.
                            if (number <= consumed || !terminated && AuditChain.unseal(line.text()) == null) {
                                return;
                            }
                            consumed = number;
                            if (session.equals(line.session())) {
                                found = true;
                                visitor.line(session, line);
                            }
                        },
                        visitor);
            }

            @Override
            public boolean found() {
                return found;
            }
        };
    }

    private interface LineReceiver {
        void line(int number, RecordedLine line, boolean terminated);
    }

    private void scan(LineReceiver receiver, RecordingVisitor visitor) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            InputStream in = gzipped(raw) ? new GZIPInputStream(raw, 1 << 16) : raw;
            try {
                LineSplitter.split(
                        in,
                        (number, text, terminated) ->
                                receiver.line(number, RecordedLine.parse(name + " line " + number, text), terminated));
            } catch (IOException e) {
                if (in == raw) {
                    throw e;
                }
                visitor.problem(
                        null,
                        name + " is not a complete gzip file (" + e.getMessage()
                                + "): what follows its last whole line is lost");
            }
        }
    }

    /** By content, not name: a log may be compressed without being renamed. */
    private static boolean gzipped(InputStream in) throws IOException {
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        return b1 == 0x1f && b2 == 0x8b;
    }

    @Override
    public String describe() {
        return file.toString();
    }

    @Override
    public void close() {}
}
