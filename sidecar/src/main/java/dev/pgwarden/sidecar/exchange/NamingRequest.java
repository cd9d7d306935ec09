package dev.pgwarden.sidecar.exchange;

import java.util.List;

/**
 * A Parse or a Bind: the prepared statement or portal exists under its name once the server
 * answers ParseComplete or BindComplete, and never if the message fails or is skipped.
 */
final class NamingRequest extends PendingRequest {
    private final NameChange change;
    private final String sql;
    private final List<String> parameters;

    /** @param parameters a Bind's values as the audit shows them; null for a Parse */
    NamingRequest(NameChange change, String sql, List<String> parameters) {
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
