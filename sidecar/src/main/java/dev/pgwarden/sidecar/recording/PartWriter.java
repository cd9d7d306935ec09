package dev.pgwarden.sidecar.recording;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes each session's event lines into gzip parts in the spool. A part is finished when the
 * session ends, when it has been open for the part interval, or when it holds the part size; the
 * session's next line starts the next part. Parts are sync-flushed at most every
 * {@link #SYNC_INTERVAL_NANOS} (each flush costs a system call and some compression), so a part
 * cut short by a crash still decompresses up to its last flush; the same lines are on the audit
 * stream already.
 *
 * <p>Used by the audit writer thread only.
 */
final class PartWriter {
    static final long SYNC_INTERVAL_NANOS = 100_000_000L;

    private final Spool spool;
    private final Duration interval;
    private final long maxPartBytes;
    private final Map<String, SessionParts> sessions = new HashMap<>();

    PartWriter(Spool spool, Duration interval, long maxPartBytes) {
        this.spool = spool;
        this.interval = interval;
        this.maxPartBytes = maxPartBytes;
    }

    /** Where one session's parts go, and the part being written, if any. */
    private final class SessionParts {
        final String folder;
        int part;
        /** Lines are buffered before gzip: deflating a few large chunks costs less than one call per line. */
        OutputStream out;

        Path file;
        long raw;
        long openedNanos;
        long syncedNanos;
        boolean dirty;

        SessionParts(String session) {
            this.folder = RecordingLayout.sessionFolder(LocalDate.now(ZoneOffset.UTC), session);
        }

        void open() throws IOException {
            part++;
            file = spool.file(folder + RecordingLayout.partFileName(part) + Spool.OPEN);
            out = new BufferedOutputStream(new FastGzip(new Counted(create(file))), 1 << 16);
            raw = 0;
            openedNanos = System.nanoTime();
            syncedNanos = openedNanos;
        }

        void write(byte[] line, int length) throws IOException {
            if (out == null) {
                open();
            }
            out.write(line, 0, length);
            out.write('\n');
            raw += length + 1;
            dirty = true;
        }

        void finish() throws IOException {
            if (out == null) {
                return;
            }
            out.close();
            out = null;
            spool.finished(file);
        }
    }

    /**
     * gzip at the fastest level: JSON lines compress well even so, and the writer thread shares
     * the sidecar's small CPU budget with the relay.
     */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 1 << 16, true);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }

    /** Counts the compressed bytes into the spool's total as they reach the file. */
    private final class Counted extends FilterOutputStream {
        Counted(OutputStream file) {
            super(file);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            spool.written(len);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            spool.written(1);
        }
    }

    /**
     * Creates the part's file. The spool's sweep may remove a session folder that has been empty
     * for a long time just as the session writes again: then the folder is made again.
     */
    private static OutputStream create(Path file) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                Files.createDirectories(file.getParent());
                return Files.newOutputStream(file);
            } catch (java.nio.file.NoSuchFileException | java.nio.file.FileAlreadyExistsException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    void append(String session, byte[] line, int length) throws IOException {
        sessions.computeIfAbsent(session, SessionParts::new).write(line, length);
    }

    /** The session ended: its last part is finished now. */
    void end(String session) throws IOException {
        SessionParts parts = sessions.remove(session);
        if (parts != null) {
            parts.finish();
        }
    }

    /** After a batch: makes what was written readable on disk, and finishes parts that are due. */
    void flush() throws IOException {
        long now = System.nanoTime();
        for (SessionParts parts : sessions.values()) {
            if (parts.out == null) {
                continue;
            }
            if (parts.raw >= maxPartBytes || now - parts.openedNanos >= interval.toNanos()) {
                parts.finish();
            } else if (parts.dirty && now - parts.syncedNanos >= SYNC_INTERVAL_NANOS) {
                parts.out.flush();
                parts.dirty = false;
                parts.syncedNanos = now;
            }
        }
    }

    /** Finishes every open part (shutdown); the sessions' chains continue in new parts if they go on. */
    void finishAll() throws IOException {
        IOException first = null;
        for (Iterator<SessionParts> it = sessions.values().iterator(); it.hasNext(); ) {
            try {
                it.next().finish();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
