package dev.pgwarden.sidecar.exchange;

/** A Parse: the statement exists under its name once the server answers ParseComplete. */
final class ParseRequest extends PendingRequest {
  private final NameChange change;
  private final String sql;

  ParseRequest(NameChange change, String sql) {
    this.change = change;
    this.sql = sql;
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

  @Override
  String sql() {
    return sql;
  }
}
