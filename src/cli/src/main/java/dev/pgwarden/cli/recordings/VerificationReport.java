package dev.pgwarden.cli.recordings;

import java.util.List;

/**
 * The verification of a source: a verdict per session, and the breaks that belong to no single
 * session (whole sessions missing from an instance's sequence, a damaged audit log).
 */
public record VerificationReport(List<SessionVerdict> sessions, List<String> problems) {
    public VerificationReport {
        sessions = List.copyOf(sessions);
        problems = List.copyOf(problems);
    }

    public long broken() {
        return sessions.stream().filter(s -> !s.intact()).count() + problems.size();
    }

    /** Something was verified and nothing is broken: an empty source does not pass. */
    public boolean intact() {
        return !sessions.isEmpty() && broken() == 0;
    }
}
