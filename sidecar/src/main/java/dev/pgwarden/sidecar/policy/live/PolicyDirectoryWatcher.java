package dev.pgwarden.sidecar.policy.live;

import dev.pgwarden.api.policy.InvalidPolicyException;
import dev.pgwarden.api.policy.PolicyProblem;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.api.v1alpha1.Recording;
import dev.pgwarden.api.v1alpha1.S3Target;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Polls the mounted policy Secret and applies what changed: a new policy to {@link LivePolicy},
 * a new role to {@link LiveCredentials}. Polling (every second by default) rather than a
 * WatchService, which does not reliably report kubelet's symlink swap; comparing a hash of the
 * files makes a poll cheap and catches every kind of update. Runs on its own thread: the event
 * loops never touch the files.
 *
 * <p>Two things are fixed for the life of the process, because sessions and the recorder were
 * built around them: the database (spec.database host, port, name, sslMode) and the recording
 * store (spec.recording.s3). A version that changes them is applied otherwise, keeps the running
 * values, and says on standard error that the sidecar must restart to take them.
 */
public final class PolicyDirectoryWatcher implements AutoCloseable {
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(1);

    private final PolicyDirectory directory;
    private final PolicyVersions versions;
    private final LivePolicy live;
    private final LiveCredentials credentials;
    private final DatabaseTarget database;
    private final S3Target recordingStore;
    private final PrintStream log;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgwarden-policy-watch");
        t.setDaemon(true);
        return t;
    });
    private String lastFingerprint;
    private String lastReadProblem;
    private String lastUser;

    /**
     * @param running the policy the sidecar started with: its database and recording store stay
     */
    public PolicyDirectoryWatcher(
            PolicyDirectory directory,
            PolicyVersions versions,
            LivePolicy live,
            LiveCredentials credentials,
            DatabaseAccessPolicy running,
            PrintStream log) {
        this.directory = directory;
        this.versions = versions;
        this.live = live;
        this.credentials = credentials;
        this.database = running.getSpec().database();
        this.recordingStore = s3(running);
        this.lastUser = credentials.get().user();
        this.log = log;
    }

    public PolicyDirectoryWatcher start(Duration period) {
        poller.scheduleWithFixedDelay(this::checkSafely, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void checkSafely() {
        try {
            check();
        } catch (RuntimeException e) {
            // A bug here must not stop the polling: the next version may still be applied.
            log.println("pgwarden: policy watch: unexpected failure: " + e);
        }
    }

    /** Reads the directory once and applies what changed since the last look. */
    public synchronized void check() {
        PolicyDirectory.Contents contents;
        try {
            contents = directory.read();
        } catch (IOException e) {
            // Usually a swap under our feet (the old folder is deleted right after): try again next time.
            String problem = "cannot read " + directory.dir() + ": " + e;
            if (!problem.equals(lastReadProblem)) {
                log.println("pgwarden: " + problem + " (retrying)");
                lastReadProblem = problem;
            }
            return;
        }
        lastReadProblem = null;
        if (contents.fingerprint().equals(lastFingerprint)) {
            return;
        }
        lastFingerprint = contents.fingerprint();
        applyPolicy(contents);
        applyCredentials(contents);
    }

    private void applyPolicy(PolicyDirectory.Contents contents) {
        DatabaseAccessPolicy policy;
        try {
            policy = directory.policy(contents);
        } catch (InvalidPolicyException e) {
            fail(e.problems().stream().map(PolicyProblem::toString).collect(Collectors.joining("; ")));
            return;
        } catch (IOException e) {
            fail(e.getMessage());
            return;
        }
        PolicyVersion current = live.version();
        if (policy.getSpec().equals(current.policy().getSpec())) {
            if (!live.valid()) {
                live.restore();
                log.println("pgwarden: policy " + directory.policyFile() + " is valid again (version "
                        + current.generation() + "): statements run again");
            }
            return;
        }
        warnFixed(policy);
        PolicyVersion next;
        try {
            next = versions.build(policy);
        } catch (RuntimeException e) {
            fail(e.getMessage());
            return;
        }
        live.apply(next);
        log.println("pgwarden: policy " + next.name() + " version " + next.generation() + " applied from "
                + directory.policyFile() + generation(policy) + ": new statements and connections follow it");
    }

    private void fail(String why) {
        String reason = "the policy at " + directory.policyFile() + " is invalid: " + why;
        live.fail(reason);
        log.println("pgwarden: " + reason + "; statements are refused until a valid policy is mounted");
    }

    private void warnFixed(DatabaseAccessPolicy policy) {
        DatabaseTarget next = policy.getSpec().database();
        if (!sameDatabase(database, next)) {
            log.println("pgwarden: WARNING: the policy now names database " + describe(next) + " but this sidecar keeps"
                    + " using " + describe(database) + " until it restarts (restart the pod to switch databases)");
        }
        if (!Objects.equals(recordingStore, s3(policy))) {
            log.println("pgwarden: WARNING: the policy's recording.s3 changed; recordings keep going to the store the"
                    + " sidecar started with until it restarts (restart the pod to switch stores)");
        }
    }

    private void applyCredentials(PolicyDirectory.Contents contents) {
        UpstreamConfig config;
        Instant expiresAt;
        try {
            config = directory.upstream(database, contents);
            expiresAt = directory.expiresAt(contents);
        } catch (IllegalArgumentException e) {
            credentials.missing(e.getMessage());
            log.println("pgwarden: database credentials unusable: " + e.getMessage()
                    + "; new connections are refused until they are fixed");
            return;
        }
        credentials.update(config, expiresAt);
        if (!config.user().equals(lastUser)) {
            log.println("pgwarden: database role is now " + config.user()
                    + (expiresAt == null ? "" : " (valid until " + expiresAt + ")")
                    + " for new connections; open sessions keep theirs");
            lastUser = config.user();
        }
    }

    private static boolean sameDatabase(DatabaseTarget a, DatabaseTarget b) {
        return b != null
                && a.host().equals(b.host())
                && a.portOrDefault() == b.portOrDefault()
                && a.name().equals(b.name())
                && a.sslModeOrDefault() == b.sslModeOrDefault();
    }

    private static String describe(DatabaseTarget d) {
        return d == null
                ? "(none)"
                : d.host() + ":" + d.portOrDefault() + "/" + d.name() + " sslMode " + d.sslModeOrDefault();
    }

    private static S3Target s3(DatabaseAccessPolicy policy) {
        Recording r = policy.getSpec().recording();
        return r == null ? null : r.s3();
    }

    private static String generation(DatabaseAccessPolicy policy) {
        Long g = policy.getMetadata().getGeneration();
        return g == null ? "" : " (metadata.generation " + g + ")";
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
