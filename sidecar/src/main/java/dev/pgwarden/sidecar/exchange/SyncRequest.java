package dev.pgwarden.sidecar.exchange;

/** A Sync: the ReadyForQuery that answers it ends an extended-protocol batch. */
final class SyncRequest extends PendingRequest {
    private final boolean swallows;

    SyncRequest(boolean swallowsReadyForQuery) {
        this.swallows = swallowsReadyForQuery;
    }

    /** The batch ran in a transaction pgwarden opened: its ReadyForQuery is not the client's to see. */
    boolean swallowsReadyForQuery() {
        return swallows;
    }

    @Override
    void failed(Exchange x, String sqlState, String seen) {
        // An error after the batch's end belongs to nothing the client sent (the server closing, say).
    }

    @Override
    boolean readyForQuery(Exchange x) {
        x.pop(this);
        return true;
    }

    @Override
    boolean isSync() {
        return true;
    }
}
