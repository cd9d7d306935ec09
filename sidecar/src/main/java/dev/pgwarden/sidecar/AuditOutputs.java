package dev.pgwarden.sidecar;

import dev.pgwarden.sidecar.audit.AuditChain;
import dev.pgwarden.sidecar.audit.JsonLinesAuditSink;
import dev.pgwarden.sidecar.audit.SessionChains;
import dev.pgwarden.sidecar.recording.ObjectStore;
import dev.pgwarden.sidecar.recording.Recorder;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Builds the audit sink the sidecar and {@code pgwarden local} run: chained lines, recorded when a
 * store is given. It lives beside the entry points, not in {@code audit}, because it joins the two:
 * {@code recording} builds on the audit chain, so {@code audit} must not reach back to it.
 */
public final class AuditOutputs {
    private AuditOutputs() {}

    /**
     * @param keyFile the audit chain's secret
     * @param host names this sidecar run in every session's first event (the pod name)
     * @param store where recordings go, or null to write the audit lines only
     * @param recording the spool and upload settings (ignored without a store)
     */
    public static JsonLinesAuditSink open(
            OutputStream lines,
            Path keyFile,
            String host,
            ObjectStore store,
            Recorder.Settings recording,
            MeterRegistry metrics)
            throws IOException {
        SessionChains chains = new SessionChains(AuditChain.fromFile(keyFile), host + "@" + Instant.now());
        Recorder recorder = null;
        if (store != null) {
            try {
                recorder = Recorder.start(recording, store, chains, metrics);
            } catch (IOException | RuntimeException e) {
                store.close();
                throw e;
            }
        }
        return new JsonLinesAuditSink(lines, chains, recorder);
    }
}
