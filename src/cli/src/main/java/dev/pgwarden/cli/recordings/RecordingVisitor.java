package dev.pgwarden.cli.recordings;

/** Receives what a {@link RecordingSource} reads: each session's lines in order, and what is missing. */
public interface RecordingVisitor {
    void line(String session, RecordedLine line);

    /**
     * Something that should hold events does not: a missing part, a part that is not complete gzip.
     * Reported in reading order, where the events would have been.
     *
     * @param session the session it concerns, or null when it concerns the whole source
     */
    void problem(String session, String problem);
}
