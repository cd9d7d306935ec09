package dev.pgwarden.cli.recordings;

/**
 * One session's verification.
 *
 * @param ending how the session ended ({@code session_end: client disconnected}), or null while open
 * @param problem the first break, or null when the chain is intact
 * @param instance the sidecar run that recorded it, and {@code ordinal} its number there, from its
 *     first event (null when that is missing)
 */
public record SessionVerdict(
        String session, long events, String ending, String problem, String instance, Long ordinal) {
    public boolean intact() {
        return problem == null;
    }

    public boolean open() {
        return ending == null;
    }
}
