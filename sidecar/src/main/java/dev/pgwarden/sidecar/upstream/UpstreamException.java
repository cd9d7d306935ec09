package dev.pgwarden.sidecar.upstream;

/** The upstream connection could not be established; the message is fit for the agent. */
public class UpstreamException extends Exception {
    private static final long serialVersionUID = 1L;

    public UpstreamException(String message) {
        super(message, null, false, false);
    }
}
