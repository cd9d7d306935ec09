package dev.pgwarden.sidecar.exchange;

/** A Sync: the ReadyForQuery that answers it ends an extended-protocol batch. */
final class SyncRequest extends PendingRequest {
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
