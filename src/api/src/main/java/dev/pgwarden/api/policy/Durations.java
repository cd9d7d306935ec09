package dev.pgwarden.api.policy;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the short durations used in policies: {@code 90s}, {@code 10m}, {@code 1h30m}, {@code 2d},
 * {@code 500ms} (milliseconds matter for statement timeouts).
 */
public final class Durations {
    private static final Pattern WHOLE = Pattern.compile("(\\d+(ms|[dhms]))+");
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|[dhms])");

    private Durations() {}

    /** @throws IllegalArgumentException with a message fit to show to the policy's author */
    public static Duration parse(String text) {
        if (text == null || !WHOLE.matcher(text.trim()).matches()) {
            throw new IllegalArgumentException("'" + text
                    + "' is not a duration: use a number with a unit d, h, m, s or ms, e.g. 90s, 10m, 1h30m, 500ms");
        }
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(text.trim());
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(
                    switch (m.group(2)) {
                        case "d" -> Duration.ofDays(n);
                        case "h" -> Duration.ofHours(n);
                        case "m" -> Duration.ofMinutes(n);
                        case "ms" -> Duration.ofMillis(n);
                        default -> Duration.ofSeconds(n);
                    });
        }
        return total;
    }
}
