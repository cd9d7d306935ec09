package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.protocol.SqlState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Vets what a client asks for in its StartupMessage. Only harmless session settings pass to the
 * server: a startup parameter such as {@code role} or {@code options=-c session_authorization=...}
 * would otherwise change who the session runs as before any statement is checked.
 *
 * @param clientUser the user name the client gave (informational: identity comes from the token)
 * @param forwarded settings to pass to the upstream server
 * @param protocolOptions {@code _pq_.} protocol extensions the client asked for, all unsupported
 */
record StartupParameters(
        String clientUser,
        String database,
        String applicationName,
        Map<String, String> forwarded,
        List<String> protocolOptions) {

    private static final Set<String> FORWARDED = Set.of(
            "datestyle",
            "timezone",
            "extra_float_digits",
            "intervalstyle",
            "search_path",
            "bytea_output",
            "lc_monetary",
            "lc_numeric",
            "lc_time",
            "statement_timeout",
            "lock_timeout",
            "idle_in_transaction_session_timeout",
            "geqo",
            "jit");
    private static final Set<String> UTF8_COMPATIBLE = Set.of("utf8", "utf-8", "unicode", "sql_ascii");
    private static final int NAMEDATALEN = 63;

    static StartupParameters vet(Map<String, String> params, String servedDatabase) throws StartupRefused {
        String user = params.get("user");
        if (user == null || user.isEmpty()) {
            throw new StartupRefused(
                    SqlState.INVALID_AUTHORIZATION,
                    "no user name in the startup packet: connect with any user name and your token as the password");
        }
        String database = params.getOrDefault("database", user);
        if (!database.equals(servedDatabase)) {
            throw new StartupRefused(
                    SqlState.INVALID_CATALOG_NAME,
                    "database \"" + database + "\" is not served here: this pgwarden serves database \""
                            + servedDatabase + "\"");
        }
        Map<String, String> forwarded = new LinkedHashMap<>();
        List<String> protocolOptions = new ArrayList<>();
        String appName = null;
        for (Map.Entry<String, String> e : params.entrySet()) {
            String key = e.getKey().toLowerCase(Locale.ROOT);
            String value = e.getValue();
            if (key.startsWith("_pq_.")) {
                protocolOptions.add(e.getKey());
            } else if (key.equals("user") || key.equals("database")) {
                continue;
            } else if (key.equals("application_name")) {
                appName = value;
            } else if (key.equals("client_encoding")) {
                if (!UTF8_COMPATIBLE.contains(value.toLowerCase(Locale.ROOT))) {
                    throw new StartupRefused(
                            SqlState.FEATURE_NOT_SUPPORTED,
                            "client_encoding " + value
                                    + " is not supported: pgwarden audits statements as UTF-8, connect with client_encoding=UTF8");
                }
            } else if (key.equals("replication")) {
                if (!value.equalsIgnoreCase("false") && !value.equals("0") && !value.equalsIgnoreCase("off")) {
                    throw new StartupRefused(
                            SqlState.FEATURE_NOT_SUPPORTED, "replication connections are not allowed through pgwarden");
                }
            } else if (key.equals("options")) {
                if (!value.isBlank()) {
                    throw new StartupRefused(
                            SqlState.INSUFFICIENT_PRIVILEGE,
                            "the startup parameter 'options' is not allowed through pgwarden: run SET after connecting, where policy applies");
                }
            } else if (FORWARDED.contains(key)) {
                forwarded.put(e.getKey(), value);
            } else {
                throw new StartupRefused(
                        SqlState.INSUFFICIENT_PRIVILEGE,
                        "the startup parameter '" + e.getKey()
                                + "' is not allowed through pgwarden: run SET after connecting, where policy applies");
            }
        }
        forwarded.put("client_encoding", "UTF8");
        return new StartupParameters(user, database, appName, forwarded, protocolOptions);
    }

    /** What the DBA sees in pg_stat_activity: the pgwarden session, then the client's own name. */
    String upstreamApplicationName(String sessionId) {
        String name = "pgwarden:" + sessionId
                + (applicationName == null || applicationName.isEmpty() ? "" : " " + applicationName);
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= NAMEDATALEN) {
            return name;
        }
        int end = NAMEDATALEN;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }
}
