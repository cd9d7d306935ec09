package dev.pgwarden.sidecar.policy.live;

import dev.pgwarden.api.policy.Durations;
import dev.pgwarden.api.policy.SessionLimits;
import dev.pgwarden.api.v1alpha1.Approval;
import dev.pgwarden.api.v1alpha1.ApprovalMode;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.sidecar.identity.AcceptedSubject;
import dev.pgwarden.sidecar.identity.PolicySubjects;
import dev.pgwarden.sidecar.identity.SigningKeys;
import dev.pgwarden.sidecar.identity.TokenVerifier;
import dev.pgwarden.sidecar.masking.MaskingEngine;
import dev.pgwarden.sidecar.masking.plan.MaskRules;
import dev.pgwarden.sidecar.policy.StatementPolicy;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Builds a {@link PolicyVersion} from each policy version. What is costly or stateful survives
 * versions that do not change it: the signing keys cache always, the masking engine (a catalog
 * connection and its snapshot) while the masking rules and key stay the same. A replaced engine is
 * closed a while later, once the sessions have moved on to the new one at their next statement.
 */
public final class PolicyVersions implements AutoCloseable {
    /** Long enough for every session to have passed a statement boundary or to be idle. */
    static final Duration RETIRE_AFTER = Duration.ofMinutes(2);

    private final List<AcceptedSubject> extraSubjects;
    private final String kubernetesIssuer;
    private final String kubernetesJwksUri;
    private final SigningKeys keys;
    private final Path maskKeyFile;
    private final Supplier<UpstreamConfig> upstream;
    private final ScheduledExecutorService retirer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgwarden-policy-retire");
        t.setDaemon(true);
        return t;
    });
    private final List<MaskingEngine> retiring = new ArrayList<>();
    private long generation;
    private MaskingEngine engine;
    private EngineKey engineKey;

    /** What makes two masking engines interchangeable. */
    private record EngineKey(MaskRules rules, String policyName, byte[] keyDigest) {
        boolean same(EngineKey o) {
            return o != null
                    && rules.equals(o.rules)
                    && policyName.equals(o.policyName)
                    && Arrays.equals(keyDigest, o.keyDigest);
        }
    }

    /**
     * @param extraSubjects accepted whatever the policy says (the local issuer in local mode)
     * @param upstream the current database credentials, read whenever the masking catalog connects
     */
    public PolicyVersions(
            List<AcceptedSubject> extraSubjects,
            String kubernetesIssuer,
            String kubernetesJwksUri,
            SigningKeys keys,
            Path maskKeyFile,
            Supplier<UpstreamConfig> upstream) {
        this.extraSubjects = List.copyOf(extraSubjects);
        this.kubernetesIssuer = kubernetesIssuer;
        this.kubernetesJwksUri = kubernetesJwksUri;
        this.keys = keys;
        this.maskKeyFile = maskKeyFile;
        this.upstream = upstream;
    }

    /**
     * @throws IllegalArgumentException when the policy cannot be applied (e.g. it hashes and there
     *     is no masking key); nothing changes then
     */
    public synchronized PolicyVersion build(DatabaseAccessPolicy policy) {
        MaskingEngine masking = masking(policy);
        List<AcceptedSubject> subjects = new ArrayList<>(extraSubjects);
        subjects.addAll(PolicySubjects.resolve(policy, kubernetesIssuer, kubernetesJwksUri));
        Approval approval = policy.getSpec().approval();
        generation++;
        return new PolicyVersion(
                generation,
                policy,
                new StatementPolicy(policy.getSpec()),
                masking,
                new TokenVerifier(subjects, keys, Clock.systemUTC(), TokenVerifier.CLOCK_SKEW),
                approval == null || approval.mode() == null ? ApprovalMode.Wait : approval.mode(),
                approval == null || approval.timeout() == null
                        ? PolicyVersion.DEFAULT_APPROVAL_TIMEOUT
                        : Durations.parse(approval.timeout()),
                policy.getSpec().auditFailClosed(),
                SessionLimits.of(policy.getSpec().limits()));
    }

    private MaskingEngine masking(DatabaseAccessPolicy policy) {
        MaskRules rules = MaskRules.of(policy.getSpec().maskingOrEmpty());
        EngineKey key = new EngineKey(rules, policy.getMetadata().getName(), rules.isEmpty() ? null : keyDigest());
        if (engine != null && key.same(engineKey)) {
            return engine;
        }
        MaskingEngine fresh;
        try {
            fresh = MaskingEngine.start(rules, policy.getMetadata().getName(), maskKeyFile, upstream);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read the masking key file " + maskKeyFile + ": " + e.getMessage(), e);
        }
        if (engine != null) {
            retire(engine);
        }
        engine = fresh;
        engineKey = key;
        return fresh;
    }

    private void retire(MaskingEngine old) {
        retiring.add(old);
        retirer.schedule(
                () -> {
                    synchronized (this) {
                        retiring.remove(old);
                    }
                    old.close();
                },
                RETIRE_AFTER.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private byte[] keyDigest() {
        if (maskKeyFile == null) {
            return null;
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(maskKeyFile));
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read the masking key file " + maskKeyFile + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        retirer.shutdownNow();
        retiring.forEach(MaskingEngine::close);
        retiring.clear();
        if (engine != null) {
            engine.close();
        }
    }
}
