package dev.pgwarden.api.policy;

import dev.pgwarden.api.v1alpha1.Limits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A policy's {@code limits}, read once: timeouts in milliseconds as PostgreSQL's settings take
 * them, counts as numbers. Zero means "no limit" for every field, as it does for PostgreSQL's
 * timeouts.
 */
public record SessionLimits(
        long statementTimeoutMillis,
        long idleInTransactionMillis,
        long maxResultRows,
        long maxResultBytes,
        long maxRowsChangedPerSession) {

    public static final SessionLimits NONE = new SessionLimits(0, 0, 0, 0, 0);

    /** The largest timeout PostgreSQL's settings hold (an int of milliseconds, about 24 days). */
    public static final long MAX_TIMEOUT_MILLIS = Integer.MAX_VALUE;

    /** @throws IllegalArgumentException when a value is invalid ({@link PolicyValidator} reports it first) */
    public static SessionLimits of(Limits l) {
        if (l == null) {
            return NONE;
        }
        return new SessionLimits(
                millis(l.statementTimeout()),
                millis(l.idleInTransactionTimeout()),
                count(l.maxResultRows()),
                count(l.maxResultBytes()),
                count(l.maxRowsChangedPerSession()));
    }

    private static long millis(String duration) {
        return duration == null ? 0 : Durations.parse(duration).toMillis();
    }

    private static long count(Long n) {
        return n == null ? 0 : n;
    }

    /** Problems with the limits as written, for {@link PolicyValidator}. */
    static List<PolicyProblem> check(Limits l) {
        List<PolicyProblem> problems = new ArrayList<>();
        if (l == null) {
            return problems;
        }
        checkTimeout("spec.limits.statementTimeout", l.statementTimeout(), problems);
        checkTimeout("spec.limits.idleInTransactionTimeout", l.idleInTransactionTimeout(), problems);
        checkCount("spec.limits.maxResultRows", l.maxResultRows(), problems);
        checkCount("spec.limits.maxResultBytes", l.maxResultBytes(), problems);
        checkCount("spec.limits.maxRowsChangedPerSession", l.maxRowsChangedPerSession(), problems);
        return problems;
    }

    private static void checkTimeout(String path, String value, List<PolicyProblem> problems) {
        if (value == null) {
            return;
        }
        Duration d;
        try {
            d = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            problems.add(new PolicyProblem(path, e.getMessage()));
            return;
        }
        if (d.toMillis() <= 0) {
            problems.add(new PolicyProblem(path, "must be at least 1ms (leave it out for no limit)"));
        } else if (d.toMillis() > MAX_TIMEOUT_MILLIS) {
            problems.add(new PolicyProblem(
                    path,
                    "must be at most " + MAX_TIMEOUT_MILLIS + "ms (about 24 days), PostgreSQL's largest timeout"));
        }
    }

    private static void checkCount(String path, Long value, List<PolicyProblem> problems) {
        if (value != null && value <= 0) {
            problems.add(new PolicyProblem(
                    path, "must be a positive number, was " + value + " (leave it out for no limit)"));
        }
    }

    /** The limits as one line each, for {@code pgwarden check}; empty when none is set. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        if (statementTimeoutMillis > 0) {
            lines.add("statementTimeout: " + statementTimeoutMillis
                    + "ms (statement_timeout on the session; raising or disabling it is refused)");
        }
        if (idleInTransactionMillis > 0) {
            lines.add("idleInTransactionTimeout: " + idleInTransactionMillis
                    + "ms (idle_in_transaction_session_timeout; raising or disabling it is refused)");
        }
        if (maxResultRows > 0) {
            lines.add("maxResultRows: " + maxResultRows + " per statement (error 54000 beyond)");
        }
        if (maxResultBytes > 0) {
            lines.add("maxResultBytes: " + maxResultBytes + " per statement (error 54000 beyond)");
        }
        if (maxRowsChangedPerSession > 0) {
            lines.add("maxRowsChangedPerSession: " + maxRowsChangedPerSession
                    + " (writes need approval once a session has changed that many rows)");
        }
        return lines;
    }
}
