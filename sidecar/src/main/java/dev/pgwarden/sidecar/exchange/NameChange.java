package dev.pgwarden.sidecar.exchange;

/**
 * A change to the server's names that one message makes if it succeeds, waiting for the server's
 * answer. A statement's change counts as made only when the statement completes with the command
 * tag that says so ({@code RESET ALL} reads like {@code DISCARD ALL} to the classifier, but its
 * tag tells them apart).
 */
final class NameChange {
    private final Runnable applied;
    private final Runnable failed;
    /** The tag's first word(s) that confirm the change; null when an acknowledgement message does. */
    private final String tag;

    private boolean settled;

    private NameChange(Runnable applied, Runnable failed, String tag) {
        this.applied = applied;
        this.failed = failed;
        this.tag = tag;
    }

    static <V> NameChange of(ServerNamespace<V> namespace, ServerNamespace.Change<V> change, String tag) {
        namespace.expect(change);
        return new NameChange(() -> namespace.settle(change, true), () -> namespace.settle(change, false), tag);
    }

    /** The message was acknowledged (ParseComplete, BindComplete, CloseComplete). */
    void applied() {
        settle(true);
    }

    /** The statement completed with {@code commandTag}. */
    void completed(String commandTag) {
        settle(tag == null || commandTag != null && (commandTag.equals(tag) || commandTag.startsWith(tag + " ")));
    }

    /** The message failed, was skipped, or its outcome cannot be known. */
    void failed() {
        settle(false);
    }

    private void settle(boolean ok) {
        if (settled) {
            return;
        }
        settled = true;
        (ok ? applied : failed).run();
    }
}
