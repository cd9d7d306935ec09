package dev.pgwarden.sidecar.identity;

/** A token that was refused, with the SQLSTATE and a message that never contains the token. */
public class AuthenticationException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String sqlState;
    private final String reason;

    /**
     * @param reason a short stable label for metrics and audit (expired, audience, issuer, ...)
     */
    public AuthenticationException(String sqlState, String reason, String message) {
        super(message, null, false, false);
        this.sqlState = sqlState;
        this.reason = reason;
    }

    public String sqlState() {
        return sqlState;
    }

    public String reason() {
        return reason;
    }
}
