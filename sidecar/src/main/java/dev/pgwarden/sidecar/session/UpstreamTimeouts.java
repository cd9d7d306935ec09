package dev.pgwarden.sidecar.session;

import dev.pgwarden.api.policy.SessionLimits;
import dev.pgwarden.sidecar.policy.TimeoutValue;
import dev.pgwarden.sidecar.protocol.SqlState;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The policy's timeouts as startup parameters of the upstream session. Set there, they are the
 * session's defaults: RESET, SET ... TO DEFAULT, RESET ALL and DISCARD ALL return to them, and
 * they outrank per-role and per-database settings (ALTER ROLE ... SET applies below the startup
 * packet). A client may ask for a lower value in its own startup packet; one that is higher, 0
 * (off) or unreadable is refused before the session starts. (The {@code options} parameter, where
 * {@code -c statement_timeout=0} would go, is refused for every client by {@link StartupParameters}.)
 */
final class UpstreamTimeouts {
    private UpstreamTimeouts() {}

    /** @return the settings to send upstream: the client's, with the limited timeouts set or kept lower */
    static Map<String, String> apply(SessionLimits limits, Map<String, String> forwarded) throws StartupRefused {
        Map<String, String> out = new LinkedHashMap<>(forwarded);
        limit(out, "statement_timeout", "limits.statementTimeout", limits.statementTimeoutMillis());
        limit(
                out,
                "idle_in_transaction_session_timeout",
                "limits.idleInTransactionTimeout",
                limits.idleInTransactionMillis());
        return out;
    }

    private static void limit(Map<String, String> settings, String name, String limitName, long limitMillis)
            throws StartupRefused {
        if (limitMillis <= 0) {
            return;
        }
        String asked = null;
        for (var it = settings.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().toLowerCase(Locale.ROOT).equals(name)) {
                asked = e.getValue();
                it.remove(); // PostgreSQL reads names in any case: one spelling goes upstream
            }
        }
        if (asked != null && !TimeoutValue.within(asked, limitMillis)) {
            throw new StartupRefused(
                    SqlState.INSUFFICIENT_PRIVILEGE,
                    "pgwarden: the startup parameter " + name + "=" + asked + " would "
                            + (TimeoutValue.millis(asked) == 0 ? "turn off" : "raise or bypass")
                            + " the policy's " + limitName + " (" + limitMillis
                            + "ms); connect without it, or with a value from 1ms up to the limit");
        }
        settings.put(name, asked != null ? asked : Long.toString(limitMillis));
    }
}
