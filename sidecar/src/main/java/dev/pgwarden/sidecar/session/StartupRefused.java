package dev.pgwarden.sidecar.session;

/** A startup packet pgwarden will not serve, with the SQLSTATE and a message that says what to change. */
final class StartupRefused extends Exception {
    private static final long serialVersionUID = 1L;
    private final String sqlState;

    StartupRefused(String sqlState, String message) {
        super(message, null, false, false);
        this.sqlState = sqlState;
    }

    String sqlState() {
        return sqlState;
    }
}
