package dev.pgwarden.sidecar.recording;

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
import java.util.zip.GZIPOutputStream;

/**
 * Writes each session's event lines into gzip parts in the spool. A part is finished when the
 * session ends, when it has been open for the part interval, or when it holds the part size; the
 * session's next line starts the next part. Lines are sync-flushed after every batch, so a part
 * cut short by a crash still decompresses up to its last batch.
 *
 * <p>Used by the audit writer thread only.
 */
final class PartWriter {
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
    GZIPOutputStream out;
    Path file;
    long raw;
    long openedNanos;
    boolean dirty;

    SessionParts(String session) {
      String first = RecordingLayout.partPath(LocalDate.now(ZoneOffset.UTC), session, 1);
      this.folder = first.substring(0, first.lastIndexOf('/') + 1);
    }

    void open() throws IOException {
      part++;
      file = spool.file(folder + String.format("part-%06d.jsonl.gz", part) + Spool.OPEN);
      Files.createDirectories(file.getParent());
      OutputStream counting = new FilterOutputStream(Files.newOutputStream(file)) {
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
      };
      out = new GZIPOutputStream(counting, 1 << 16, true);
      raw = 0;
      openedNanos = System.nanoTime();
    }

    void write(byte[] line) throws IOException {
      if (out == null) {
        open();
      }
      out.write(line);
      out.write('\n');
      raw += line.length + 1;
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

  void append(String session, byte[] line) throws IOException {
    sessions.computeIfAbsent(session, SessionParts::new).write(line);
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
      } else if (parts.dirty) {
        parts.out.flush();
        parts.dirty = false;
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
