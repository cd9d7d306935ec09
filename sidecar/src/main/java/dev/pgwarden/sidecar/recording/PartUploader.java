package dev.pgwarden.sidecar.recording;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves finished parts from the spool to the store, oldest first, one at a time so a session's
 * parts arrive in order. A failed upload is retried, with a backoff that doubles up to a limit,
 * until the store takes it: an outage delays parts but loses none. A part leaves the spool only
 * after the store has it.
 */
final class PartUploader {
    private static final Logger LOG = LoggerFactory.getLogger(PartUploader.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    /** Session folders empty this long are removed (sessions idle longer start their next part in a new one). */
    private static final Duration EMPTY_FOLDER_AGE = Duration.ofMinutes(10);

    private final Spool spool;
    private final ObjectStore store;
    private final String prefix;
    private final Duration maxBackoff;
    private final Thread thread;
    private final AtomicLong uploaded = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean stopping;
    private volatile String lastFailure;
    private volatile long failingSinceNanos;

    PartUploader(Spool spool, ObjectStore store, String prefix, Duration maxBackoff) {
        this.spool = spool;
        this.store = store;
        this.prefix = prefix;
        this.maxBackoff = maxBackoff;
        this.thread = new Thread(this::run, "pgwarden-uploader");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        Duration backoff = FIRST_BACKOFF;
        long sweptNanos = System.nanoTime();
        while (!stopping) {
            Path part;
            try {
                part = spool.next(Duration.ofMillis(200));
            } catch (InterruptedException e) {
                return;
            }
            if (part == null) {
                if (System.nanoTime() - sweptNanos > Duration.ofMinutes(1).toNanos()) {
                    spool.sweep(EMPTY_FOLDER_AGE);
                    sweptNanos = System.nanoTime();
                }
                continue;
            }
            try {
                store.put(prefix + spool.key(part), part);
                spool.uploaded(part);
                uploaded.incrementAndGet();
                if (lastFailure != null) {
                    LOG.info("recording store {} reachable again; uploading the spool", store.describe());
                }
                lastFailure = null;
                backoff = FIRST_BACKOFF;
            } catch (NoSuchFileException e) {
                // Removed from the spool by hand: nothing left to upload.
                LOG.warn("recording part {} vanished from the spool before upload", part);
                try {
                    spool.uploaded(part);
                } catch (IOException ignored) {
                    // Already gone.
                }
            } catch (IOException | RuntimeException e) {
                failures.incrementAndGet();
                if (lastFailure == null) {
                    failingSinceNanos = System.nanoTime();
                    LOG.warn(
                            "cannot upload recording part {}: {}; retrying with backoff, parts stay in the spool",
                            part,
                            e.getMessage());
                }
                lastFailure = e.getMessage();
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
            }
        }
    }

    /** Waits until the spool has no finished part left, or the timeout passes; true when empty. */
    boolean drain(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (spool.waitingParts() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    void stop() {
        stopping = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long uploaded() {
        return uploaded.get();
    }

    long failures() {
        return failures.get();
    }

    /** Why the last upload failed, while uploads are failing; null when the store takes parts. */
    String failing() {
        String failure = lastFailure;
        if (failure == null) {
            return null;
        }
        return failure + " (failing for "
                + Duration.ofNanos(System.nanoTime() - failingSinceNanos).toSeconds() + " s)";
    }
}
