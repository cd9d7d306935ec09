package dev.pgwarden.sidecar.exchange;

/** A Close message: the name is free once the server answers CloseComplete. */
final class CloseRequest extends PendingRequest {
    private final NameChange change;

    CloseRequest(NameChange change) {
        this.change = change;
    }

    @Override
    void acknowledged(Exchange x) {
        change.applied();
        x.pop(this);
    }

    @Override
    void failed(Exchange x, String sqlState, String seen) {
        change.failed();
        super.failed(x, sqlState, seen);
    }

    @Override
    void skipped(Exchange x) {
        change.failed();
    }

    @Override
    void interrupted(Exchange x) {
        change.failed();
    }
}
