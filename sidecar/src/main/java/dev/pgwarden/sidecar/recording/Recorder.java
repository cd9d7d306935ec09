package dev.pgwarden.sidecar.recording;

import dev.pgwarden.sidecar.audit.SessionChains;
import dev.pgwarden.sidecar.audit.SessionRecorder;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Session recording: event lines go into gzip parts in a local spool, and a background uploader
 * moves finished parts to the store. Parts an earlier run left behind are finished and uploaded
 * first. When the spool holds more than its limit (the store has been away too long) or cannot be
 * written, {@link #cannotRecord()} says why, and a fail-closed policy stops running statements.
 *
 * <p>{@link #append}, {@link #end} and {@link #afterBatch} belong to the audit writer thread.
 */
public final class Recorder implements SessionRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(Recorder.class);

    /**
     * @param spool where parts wait for upload (an emptyDir in the pod; it survives container restarts)
     * @param prefix key prefix in the store (normalized to end with '/')
     * @param partInterval a part is finished after this long, so a live session reaches the store
     * @param maxPartBytes ... or once it holds this many bytes before compression
     * @param maxSpoolBytes beyond this, {@link #cannotRecord()} reports the spool full
     * @param flushTimeout how long closing waits for the store to take what is left
     * @param maxBackoff the longest pause between upload retries
     */
    public record Settings(
            Path spool,
            String prefix,
            Duration partInterval,
            long maxPartBytes,
            long maxSpoolBytes,
            Duration flushTimeout,
            Duration maxBackoff) {
        public static Settings defaults(Path spool, String prefix) {
            return new Settings(
                    spool,
                    prefix,
                    Duration.ofSeconds(5),
                    8L << 20,
                    1L << 30,
                    Duration.ofSeconds(20),
                    Duration.ofSeconds(30));
        }

        public Settings withPartInterval(Duration d) {
            return new Settings(spool, prefix, d, maxPartBytes, maxSpoolBytes, flushTimeout, maxBackoff);
        }

        public Settings withMaxSpoolBytes(long n) {
            return new Settings(spool, prefix, partInterval, maxPartBytes, n, flushTimeout, maxBackoff);
        }

        public Settings withFlushTimeout(Duration d) {
            return new Settings(spool, prefix, partInterval, maxPartBytes, maxSpoolBytes, d, maxBackoff);
        }

        public Settings withMaxBackoff(Duration d) {
            return new Settings(spool, prefix, partInterval, maxPartBytes, maxSpoolBytes, flushTimeout, d);
        }
    }

    private final Settings settings;
    private final Spool spool;
    private final PartWriter writer;
    private final PartUploader uploader;
    private final ObjectStore store;
    private volatile String writeFailure;
    /**
     * A write of this batch failed (written by the audit writer thread only): the flush that ends
     * the batch may still succeed on a part opened before the disk failed, and must not then
     * declare the spool writable again.
     */
    private boolean failedThisBatch;

    private Recorder(Settings settings, Spool spool, ObjectStore store) {
        this.settings = settings;
        this.spool = spool;
        this.store = store;
        this.writer = new PartWriter(spool, settings.partInterval(), settings.maxPartBytes());
        this.uploader = new PartUploader(
                spool, store, RecordingLayout.normalizePrefix(settings.prefix()), settings.maxBackoff());
    }

    /**
     * Opens the spool, finishes and queues what an earlier run left there, and starts uploading.
     *
     * @param chains continues the chains of sessions a crash cut short
     */
    public static Recorder start(Settings settings, ObjectStore store, SessionChains chains, MeterRegistry metrics)
            throws IOException {
        Spool spool = new Spool(settings.spool());
        int recovered = SpoolRecovery.recover(spool, chains);
        spool.scan();
        if (spool.waitingParts() > 0) {
            LOG.info(
                    "recording spool {}: {} parts ({} bytes) from an earlier run to upload to {}{}",
                    spool.root(),
                    spool.waitingParts(),
                    spool.bytes(),
                    recovered > 0 ? "(" + recovered + " left open by a crash) " : "",
                    store.describe());
        }
        Recorder recorder = new Recorder(settings, spool, store);
        recorder.register(metrics);
        recorder.uploader.start();
        return recorder;
    }

    private void register(MeterRegistry metrics) {
        if (metrics == null) {
            return;
        }
        Gauge.builder("pgwarden_recording_spool_bytes", spool, Spool::bytes)
                .description("Bytes of recording parts on local disk, written or waiting for upload")
                .register(metrics);
        Gauge.builder("pgwarden_recording_spool_parts", spool, Spool::waitingParts)
                .description("Finished recording parts waiting for upload")
                .register(metrics);
        Gauge.builder("pgwarden_recording_upload_lag_seconds", spool, Spool::lagSeconds)
                .description("Age of the oldest part waiting for upload")
                .register(metrics);
        FunctionCounter.builder("pgwarden_recording_parts_uploaded", uploader, PartUploader::uploaded)
                .description("Recording parts the store has taken")
                .register(metrics);
        FunctionCounter.builder("pgwarden_recording_upload_failures", uploader, PartUploader::failures)
                .description("Failed part uploads (each is retried)")
                .register(metrics);
    }

    @Override
    public void append(String session, byte[] line, int length) {
        try {
            writer.append(session, line, length);
        } catch (IOException e) {
            spoolFailed(e);
        }
    }

    @Override
    public void end(String session) {
        try {
            writer.end(session);
        } catch (IOException e) {
            spoolFailed(e);
        }
    }

    @Override
    public void afterBatch() {
        try {
            writer.flush();
            if (!failedThisBatch) {
                writeFailure = null;
            }
        } catch (IOException e) {
            spoolFailed(e);
        } finally {
            failedThisBatch = false;
        }
    }

    private void spoolFailed(IOException e) {
        failedThisBatch = true;
        if (writeFailure == null) {
            LOG.error("cannot write the recording spool {}: {}", spool.root(), e.toString());
        }
        writeFailure = e.getMessage();
    }

    /** Why statements cannot be recorded now, or null when they can. */
    @Override
    public String cannotRecord() {
        String failure = writeFailure;
        if (failure != null) {
            return "pgwarden cannot write its recording spool (" + failure + ")";
        }
        long bytes = spool.bytes();
        if (bytes > settings.maxSpoolBytes()) {
            String failing = uploader.failing();
            return "pgwarden's recording spool is full: " + size(bytes) + " of recordings wait for " + store.describe()
                    + " (limit " + size(settings.maxSpoolBytes()) + ")"
                    + (failing == null ? "" : "; uploads fail: " + failing);
        }
        return null;
    }

    private static String size(long bytes) {
        if (bytes < 1L << 20) {
            return String.format("%.1f KiB", bytes / 1024.0);
        }
        return String.format("%.1f MiB", bytes / (double) (1L << 20));
    }

    public Spool spool() {
        return spool;
    }

    /**
     * Finishes the open parts and gives the uploader until the flush timeout to empty the spool; what
     * is left stays there for the next start. Called by the audit writer thread as it stops.
     */
    @Override
    public void close() {
        try {
            writer.finishAll();
        } catch (IOException e) {
            spoolFailed(e);
        }
        try {
            if (!uploader.drain(settings.flushTimeout())) {
                LOG.warn(
                        "recording store {} did not take every part within {} s: {} parts stay in {} for the next start",
                        store.describe(),
                        settings.flushTimeout().toSeconds(),
                        spool.waitingParts(),
                        spool.root());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        uploader.stop();
        store.close();
    }
}
