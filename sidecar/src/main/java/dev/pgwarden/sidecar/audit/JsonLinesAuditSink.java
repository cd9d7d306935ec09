package dev.pgwarden.sidecar.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Writes one JSON object per line from a dedicated thread, so a slow stdout never stalls an event
 * loop for long. The queue is bounded and a full queue blocks the producer: back-pressure rather
 * than loss, because an audit trail with holes is worse than a slower proxy.
 */
public final class JsonLinesAuditSink implements AuditSink {
  private static final byte[] NEWLINE = {'\n'};
  private final ObjectMapper json = new ObjectMapper();
  private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(65_536);
  private final OutputStream out;
  private final Thread writer;
  private volatile boolean closed;

  public JsonLinesAuditSink(OutputStream out) {
    this.out = out;
    this.writer = new Thread(this::drain, "pgwarden-audit");
    writer.setDaemon(true);
    writer.start();
  }

  @Override
  public void emit(AuditEvent event) {
    byte[] line;
    try {
      line = json.writeValueAsBytes(event);
    } catch (JsonProcessingException e) {
      line = ("{\"event\":\"audit_error\",\"message\":" + quote(e.getOriginalMessage()) + "}").getBytes(StandardCharsets.UTF_8);
    }
    try {
      queue.put(line);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while queueing an audit event", e);
    }
  }

  private void drain() {
    List<byte[]> batch = new ArrayList<>(256);
    while (!closed || !queue.isEmpty()) {
      try {
        byte[] first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, 255);
        for (byte[] line : batch) {
          out.write(line);
          out.write(NEWLINE);
        }
        batch.clear();
        if (queue.isEmpty()) {
          out.flush();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (IOException e) {
        System.err.println("pgwarden: cannot write audit events: " + e.getMessage());
        batch.clear();
      }
    }
  }

  private static String quote(String s) {
    return "\"" + String.valueOf(s).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Writes out everything queued, then stops. */
  @Override
  public void close() {
    closed = true;
    try {
      writer.join(10_000);
      out.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      System.err.println("pgwarden: cannot flush audit events: " + e.getMessage());
    }
  }
}
