package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.message.ParameterStatus;

/**
 * Settings the proxy relies on for the whole session. Another client_encoding would make the
 * audit decode statements wrongly; standard_conforming_strings off would make backslashes end
 * string literals where the classifier's lexer does not. SET of either is refused by the policy's
 * guards; this catches every other way (ALTER ROLE ... SET, a function, set_config approved by a
 * reviewer), from the ParameterStatus the server sends when one changes.
 */
final class ProtectedSettings {
    static final String BROKEN = "pgwarden: client_encoding must stay UTF8 and standard_conforming_strings on"
            + " (statements are classified and audited with them); the session is closed, reconnect without changing them";

    private ProtectedSettings() {}

    /** @return false when the server reports a protected setting changed */
    static boolean hold(PgMessage parameterStatus) {
        ParameterStatus s = ParameterStatus.read(parameterStatus.body());
        return switch (s.name()) {
            case "client_encoding" -> s.value().equalsIgnoreCase("UTF8");
            case "standard_conforming_strings" -> s.value().equalsIgnoreCase("on");
            default -> true;
        };
    }
}
