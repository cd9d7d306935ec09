package dev.pgwarden.sidecar.protocol;

/** Input that breaks the protocol; the connection is answered with an ErrorResponse and closed. */
public class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String sqlState;

    public ProtocolException(String sqlState, String message) {
        super(message, null, false, false);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
