package dev.pgwarden.sidecar.exchange;

import java.util.List;

/**
 * The changes to the session's prepared statements and cursors that one statement makes if it
 * completes, registered when the gate judges it (so the next statement of the same Query is
 * judged with them in view) and settled by the statement's outcome.
 */
public final class PendingChanges {
    /** A statement that changes no names. */
    public static final PendingChanges NONE = new PendingChanges(List.of());

    private final List<NameChange> changes;

    PendingChanges(List<NameChange> changes) {
        this.changes = changes;
    }

    List<NameChange> changes() {
        return changes;
    }

    /** The statement completed with {@code tag}. */
    void completed(String tag) {
        changes.forEach(c -> c.completed(tag));
    }

    /** The statement failed, was skipped, refused, or its outcome cannot be known. */
    public void failed() {
        changes.forEach(NameChange::failed);
    }
}
