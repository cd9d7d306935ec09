package dev.pgwarden.sidecar.policy.live;

import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The database role new upstream connections log in as. The operator rotates it well before it
 * expires; each connection keeps the role it opened with, and the next one reads the new role.
 */
public final class LiveCredentials implements Supplier<UpstreamConfig> {
    /**
     * @param expiresAt when the role stops working (its VALID UNTIL), or null when unknown
     * @param problem why there are no usable credentials, or null
     */
    private record Current(UpstreamConfig config, Instant expiresAt, String problem) {}

    private final AtomicReference<Current> current;
    private final Clock clock;

    public LiveCredentials(UpstreamConfig initial, Instant expiresAt, Clock clock) {
        this.current = new AtomicReference<>(new Current(initial, expiresAt, null));
        this.clock = clock;
    }

    /**
     * The configuration to connect with now.
     *
     * @throws IllegalStateException when the credentials are missing (the connection is refused with the reason)
     */
    @Override
    public UpstreamConfig get() {
        Current c = current.get();
        if (c.problem() != null) {
            throw new IllegalStateException("no database credentials: " + c.problem());
        }
        return c.config();
    }

    public void update(UpstreamConfig config, Instant expiresAt) {
        current.set(new Current(config, expiresAt, null));
    }

    public void missing(String problem) {
        current.updateAndGet(c -> new Current(c.config(), c.expiresAt(), problem));
    }

    /** Why new connections cannot log in now (missing or expired credentials), or null when they can. */
    public String notReady() {
        Current c = current.get();
        if (c.problem() != null) {
            return c.problem();
        }
        if (c.expiresAt() != null && !c.expiresAt().isAfter(clock.instant())) {
            return "the database role " + c.config().user() + " expired at " + c.expiresAt();
        }
        return null;
    }
}
