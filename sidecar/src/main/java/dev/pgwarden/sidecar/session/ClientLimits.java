package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.protocol.FrameLimits;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;

/**
 * Size caps for client messages. Before authentication nobody may make the proxy buffer more
 * than a token's worth; afterwards statements may be large, and CopyData streams uncapped.
 */
final class ClientLimits {
    static final int UNAUTHENTICATED = 64 * 1024;
    /** PostgreSQL's limit for the small control messages (PQ_SMALL_MESSAGE_LIMIT). */
    static final int CONTROL = 10_000;

    private ClientLimits() {}

    static FrameLimits beforeAuthentication() {
        return type -> UNAUTHENTICATED;
    }

    static FrameLimits authenticated(int maxStatementMessage) {
        return type -> switch (type) {
            case ProtocolCodes.COPY_DATA -> -1;
            case ProtocolCodes.QUERY,
                    ProtocolCodes.PARSE,
                    ProtocolCodes.BIND,
                    ProtocolCodes.FUNCTION_CALL,
                    ProtocolCodes.COPY_FAIL -> maxStatementMessage;
            default -> CONTROL;
        };
    }
}
