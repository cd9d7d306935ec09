package dev.pgwarden.operator;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Polls until the cluster, the database or a server reaches a state; the only way these tests wait.
 * The limit is generous (a loaded 2-core machine reconciles slowly): each test's own timeout
 * (junit-platform.properties, or @Timeout) is what bounds a test.
 */
public final class Await {
    public static final Duration LIMIT = Duration.ofSeconds(120);
    private static final long POLL_MILLIS = 100;

    private Await() {}

    public static void until(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new AssertionError("timed out after " + LIMIT.toSeconds() + " s waiting until " + what);
    }

    /** The first value read that passes the test; the failure names the last value seen. */
    public static <T> T value(Supplier<T> read, Predicate<T> test, String what) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            last = read.get();
            if (last != null && test.test(last)) {
                return last;
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new AssertionError(
                "timed out after " + LIMIT.toSeconds() + " s waiting until " + what + "; last seen: " + last);
    }
}
