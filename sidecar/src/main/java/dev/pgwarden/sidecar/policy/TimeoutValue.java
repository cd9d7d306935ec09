package dev.pgwarden.sidecar.policy;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a value given to one of PostgreSQL's timeout settings (statement_timeout,
 * idle_in_transaction_session_timeout) as the server would: a number of milliseconds, or a number
 * with a time unit ({@code 3600s}, {@code '1h'}, {@code 1.5min}). Only the plain decimal forms are
 * read; anything else PostgreSQL might still accept (hexadecimal, octal, exponents) is reported as
 * unreadable, and the guards refuse what they cannot read.
 */
public final class TimeoutValue {
    private static final Pattern VALUE = Pattern.compile("\\s*(\\d+(?:\\.\\d*)?|\\.\\d+)\\s*(us|ms|s|min|h|d)?\\s*");

    private TimeoutValue() {}

    /**
     * @return the value in milliseconds (0 turns the timeout off), or -1 when it cannot be read
     */
    public static double millis(String text) {
        if (text == null) {
            return -1;
        }
        Matcher m = VALUE.matcher(text);
        if (!m.matches()) {
            return -1;
        }
        double n;
        try {
            n = Double.parseDouble(m.group(1));
        } catch (NumberFormatException e) {
            return -1;
        }
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit) {
            case "us" -> n / 1000;
            case "ms" -> n;
            case "s" -> n * 1000;
            case "min" -> n * 60_000;
            case "h" -> n * 3_600_000;
            default -> n * 86_400_000;
        };
    }

    /**
     * Whether {@code text} keeps a timeout within {@code limitMillis}: readable, not zero (off) and
     * not above the limit. PostgreSQL rounds a fraction of a millisecond to the nearest one, and a
     * value under half a millisecond rounds to 0: off.
     */
    public static boolean within(String text, long limitMillis) {
        double ms = millis(text);
        return ms >= 0.5 && Math.round(ms) <= limitMillis;
    }
}
