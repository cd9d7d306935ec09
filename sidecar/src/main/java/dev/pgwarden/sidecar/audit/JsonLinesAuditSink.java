package dev.pgwarden.sidecar.audit;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes one JSON object per line from a dedicated thread. Event loops only enqueue the event
 * record; serialization ({@link EventLines}), chaining ({@link SessionChains}) and I/O happen here, in batches: after
 * each batch the writer pauses for a few milliseconds so that, under load, events accumulate
 * without waking it once per event. Each sealed line goes to the output (stdout) and, when
 * sessions are recorded, into the session's recording: the same bytes, so either verifies.
 *
 * <p>The queue is bounded and a full queue blocks the producer: back-pressure rather than loss,
 * because an audit trail with holes is worse than a slower proxy.
 */
public final class JsonLinesAuditSink implements AuditSink {
    private static final int CAPACITY = 65_536;
    private static final long COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final BlockingQueue<AuditEvent> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final OutputStream out;
    private final SessionChains chains;
    private final EventLines lines;
    private final SessionRecorder recorder;
    private final Thread writer;
    private final AtomicLong emitted = new AtomicLong();
    private volatile long written;
    private volatile boolean closed;

    /** Chained with a throwaway key and not recorded: for tests. */
    public JsonLinesAuditSink(OutputStream target) {
        this(target, new SessionChains(AuditChain.ephemeral(), "test"), null);
    }

    /**
     * @param chains seals every line (owned by this sink's thread from now on)
     * @param recorder where sessions are recorded, or null; closed with this sink
     */
    public JsonLinesAuditSink(OutputStream target, SessionChains chains, SessionRecorder recorder) {
        this.out = new BufferedOutputStream(target, 1 << 16);
        this.chains = chains;
        this.lines = new EventLines(chains);
        this.recorder = recorder;
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
                    if (recorder != null) {
                        recorder.afterBatch(); // finishes parts that are due even when nothing happens
                    }
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
                lines.write(event);
                out.write(lines.bytes(), 0, lines.length());
                if (recorder != null) {
                    recorder.append(event.session(), lines.bytes(), lines.length() - 1);
                }
            } catch (IOException e) {
                System.err.println("pgwarden: cannot write an audit event: " + e.getMessage());
            }
            if (event.ends()) {
                chains.forget(event.session());
                if (recorder != null) {
                    recorder.end(event.session());
                }
            }
        }
        try {
            out.flush();
        } catch (IOException e) {
            System.err.println("pgwarden: cannot write audit events: " + e.getMessage());
        }
        if (recorder != null) {
            recorder.afterBatch();
        }
        written += batch.size();
    }

    @Override
    public String cannotRecord() {
        return recorder == null ? null : recorder.cannotRecord();
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

    /** Writes out everything queued, then stops; recorded parts get the recorder's flush timeout to upload. */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (recorder != null) {
            recorder.close();
        }
    }
}
