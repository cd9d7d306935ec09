package dev.pgwarden.cli.recordings;

import java.io.IOException;

/** Reads one session's recording, and on later calls what was added since (to follow a live session). */
public interface SessionReader {
    /** Hands the lines recorded since the last call to the visitor, in order; each line only once. */
    void readNew(RecordingVisitor visitor) throws IOException;

    /** Whether anything of the session has been found so far. */
    boolean found();
}
