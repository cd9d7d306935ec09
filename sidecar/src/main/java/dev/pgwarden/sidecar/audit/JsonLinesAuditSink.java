package dev.pgwarden.sidecar.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.time.Duration;

/**
 * Writes one JSON object per line from a dedicated thread. Event loops only enqueue the event
 * record; serialization and I/O happen here, in batches: after each batch the writer pauses for a
 * few milliseconds so that, under load, events accumulate without waking it once per event.
 *
 * <p>The queue is bounded and a full queue blocks the producer: back-pressure rather than loss,
 * because an audit trail with holes is worse than a slower proxy.
 */
public final class JsonLinesAuditSink implements AuditSink {
  private static final int CAPACITY = 65_536;
  private static final long COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final BlockingQueue<AuditEvent> queue = new ArrayBlockingQueue<>(CAPACITY);
  private final OutputStream out;
  private final JsonGenerator json;
  private final Thread writer;
  private final AtomicLong emitted = new AtomicLong();
  private volatile long written;
  private volatile boolean closed;

  public JsonLinesAuditSink(OutputStream target) {
    this.out = new BufferedOutputStream(target, 1 << 16);
    try {
      this.json = new ObjectMapper().getFactory().createGenerator(out)
          .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
          .disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create the audit JSON writer", e);
    }
    this.writer = new Thread(this::drain, "pgwarden-audit");
    writer.setDaemon(true);
    writer.start();
  }

  @Override
  public void emit(AuditEvent event) {
    emitted.incrementAndGet();
    if (queue.offer(event)) {
      return;
    }
    try {
      queue.put(event);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while queueing an audit event", e);
    }
  }

  private void drain() {
    List<AuditEvent> batch = new ArrayList<>(1024);
    while (!closed || !queue.isEmpty()) {
      try {
        AuditEvent first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch);
        write(batch);
        batch.clear();
        if (!closed) {
          TimeUnit.NANOSECONDS.sleep(COALESCE_NANOS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void write(List<AuditEvent> batch) {
    for (AuditEvent event : batch) {
      try {
        json.writeObject(event);
        json.writeRaw('\n');
      } catch (IOException e) {
        System.err.println("pgwarden: cannot write an audit event: " + e.getMessage());
      }
    }
    try {
      json.flush();
      out.flush();
    } catch (IOException e) {
      System.err.println("pgwarden: cannot write audit events: " + e.getMessage());
    }
    written += batch.size();
  }

  /**
   * Waits until every event emitted before this call is written and flushed.
   *
   * @return false if that did not happen within the timeout
   */
  public boolean awaitWritten(Duration timeout) throws InterruptedException {
    long target = emitted.get();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (written < target) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(1);
    }
    return true;
  }

  /** Writes out everything queued, then stops. */
  @Override
  public void close() {
    closed = true;
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
