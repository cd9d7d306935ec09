package dev.pgwarden.sidecar.exchange;

import java.util.List;

/** What the server answered a query pgwarden sent on its own. */
public record HiddenResult(List<String> tags, List<String> firstValues, String sqlState, String message, char status) {
    public boolean failed() {
        return sqlState != null;
    }
}
