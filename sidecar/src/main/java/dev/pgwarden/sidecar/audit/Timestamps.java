package dev.pgwarden.sidecar.audit;

import java.time.Instant;

/**
 * The {@code ts} of audit events: {@link Instant#toString()} of now, character for character, at a
 * fraction of its cost. Events are stamped on the event loop, once per statement; formatting the
 * date and time of day goes through {@code DateTimeFormatter} and costs more than the rest of the
 * event, so it is done once per second and only the fraction is written per event.
 */
public final class Timestamps {
    /** The second last formatted, shared by every thread: a stale one is only formatted again. */
    private static volatile Second last = new Second(Long.MIN_VALUE, "");

    private record Second(long epochSecond, String text) {}

    private Timestamps() {}

    /** Now, as {@code Instant.now().toString()} writes it. */
    public static String now() {
        return format(Instant.now());
    }

    /** {@code t.toString()}: ISO-8601 in UTC, with 0, 3, 6 or 9 digits of fraction as needed. */
    static String format(Instant t) {
        long second = t.getEpochSecond();
        Second s = last;
        if (s.epochSecond() != second) {
            String whole = Instant.ofEpochSecond(second).toString();
            s = new Second(second, whole.substring(0, whole.length() - 1)); // without its 'Z'
            last = s;
        }
        int nanos = t.getNano();
        if (nanos == 0) {
            return s.text() + 'Z';
        }
        int digits;
        int value;
        if (nanos % 1_000_000 == 0) {
            digits = 3;
            value = nanos / 1_000_000;
        } else if (nanos % 1_000 == 0) {
            digits = 6;
            value = nanos / 1_000;
        } else {
            digits = 9;
            value = nanos;
        }
        String prefix = s.text();
        char[] out = new char[prefix.length() + 2 + digits];
        prefix.getChars(0, prefix.length(), out, 0);
        int at = prefix.length();
        out[at] = '.';
        for (int i = at + digits; i > at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
        out[out.length - 1] = 'Z';
        return new String(out);
    }
}
