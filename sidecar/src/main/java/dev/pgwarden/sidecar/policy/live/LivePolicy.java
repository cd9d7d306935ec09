package dev.pgwarden.sidecar.policy.live;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The policy sessions apply now: one reference, read by every session at each statement and by
 * every new connection. A policy version that does not load or validate makes it {@link Broken}:
 * statements are refused until a valid version arrives, because going on with the last good
 * version could mean enforcing something looser than its owner just asked for.
 */
public final class LivePolicy {
    /** What sessions find when they look. */
    public sealed interface State {
        /** The newest valid version; sessions still relaying its statements' results keep using it. */
        PolicyVersion lastGood();
    }

    public record Active(PolicyVersion lastGood) implements State {}

    /** @param reason why the newest version cannot be applied, said to every refused statement */
    public record Broken(PolicyVersion lastGood, String reason) implements State {}

    private final AtomicReference<State> state;
    private final Counter reloads;
    private final Counter failures;

    public LivePolicy(PolicyVersion initial, MeterRegistry metrics) {
        this.state = new AtomicReference<>(new Active(initial));
        this.reloads = Counter.builder("pgwarden.policy.reloads")
                .description("Policy versions applied after the first")
                .register(metrics);
        this.failures = Counter.builder("pgwarden.policy.reload.failures")
                .description("Policy versions that did not load or validate (statements refused until a valid one)")
                .register(metrics);
        Gauge.builder(
                        "pgwarden.policy.generation",
                        this,
                        p -> p.state().lastGood().generation())
                .description("Which policy version this sidecar applies (counts from 1 at start)")
                .register(metrics);
        Gauge.builder("pgwarden.policy.valid", this, p -> p.state() instanceof Active ? 1 : 0)
                .description("1 while the newest policy version is valid and applied, 0 while statements are refused")
                .register(metrics);
    }

    public State state() {
        return state.get();
    }

    /** The newest valid version (also while broken: for results of statements already running). */
    public PolicyVersion version() {
        return state.get().lastGood();
    }

    /** Why statements are refused now, or null when the policy is valid. */
    public String refusal() {
        return state.get() instanceof Broken b ? b.reason() : null;
    }

    public boolean valid() {
        return state.get() instanceof Active;
    }

    /** A new valid version: the next statement of every session applies it. */
    public void apply(PolicyVersion version) {
        state.set(new Active(version));
        reloads.increment();
    }

    /** The newest version cannot be applied: refuse statements until {@link #apply} or {@link #restore}. */
    public void fail(String reason) {
        state.updateAndGet(s -> new Broken(s.lastGood(), reason));
        failures.increment();
    }

    /** The files are back to the version that is still the last good one: nothing to rebuild. */
    public void restore() {
        state.updateAndGet(s -> new Active(s.lastGood()));
    }
}
