package dev.pgwarden.sidecar.exchange;

import java.util.List;

/** A Bind: the portal exists once the server answers BindComplete. */
final class BindRequest extends PendingRequest {
  private final NameChange change;
  private final String sql;
  private final List<String> parameters;

  BindRequest(NameChange change, String sql, List<String> parameters) {
    this.change = change;
    this.sql = sql;
    this.parameters = parameters;
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

  @Override
  List<String> parameters() {
    return parameters;
  }
}
