package dev.pgwarden.sidecar.exchange;

/**
 * A statement the gate refused, in place of which the server got a stand-in that fails in its
 * parser: the stand-in's error is swapped for the refusal. The refused statement was audited when
 * it was refused. In the simple protocol the ReadyForQuery after the error is its end; in the
 * extended protocol the error skips everything up to Sync, as any error does.
 */
final class RefusedRequest extends PendingRequest {
    private final Refusal refusal;
    private final boolean simple;
    private final PendingChanges stands;

    RefusedRequest(Refusal refusal, boolean simple, PendingChanges stands) {
        this.refusal = refusal;
        this.simple = simple;
        this.stands = stands;
    }

    @Override
    Refusal refusal() {
        return refusal;
    }

    boolean simple() {
        return simple;
    }

    @Override
    void failed(Exchange x, String sqlState, String seen) {
        if (!simple) {
            super.failed(x, sqlState, seen);
        }
    }

    @Override
    boolean readyForQuery(Exchange x) {
        x.pop(this);
        stands.completed(null);
        return simple;
    }

    @Override
    void interrupted(Exchange x) {
        stands.failed();
    }
}
