package dev.pgwarden.operator.notify;

import java.time.Duration;

/**
 * How often and how patiently a channel is tried: {@code attempts} in all, waiting {@code first},
 * then twice as long each time up to {@code max}. Bounded, so a dead endpoint costs a notifier
 * thread a known while and never the reconciler's.
 */
public record Backoff(int attempts, Duration first, Duration max, Duration timeout) {
    /** Five attempts over about 15 s (1, 2, 4, 8 s apart), each given 10 s to answer. */
    public static final Backoff DEFAULT =
            new Backoff(5, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(10));

    public Backoff {
        if (attempts < 1) {
            throw new IllegalArgumentException("at least one attempt, was " + attempts);
        }
    }

    /** The wait before attempt {@code next} (2 is the first retry). */
    Duration before(int next) {
        Duration wait = first;
        for (int i = 2; i < next && wait.compareTo(max) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(max) > 0 ? max : wait;
    }
}
