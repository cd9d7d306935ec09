package dev.pgwarden.api.jdbc;

import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.api.v1alpha1.SslMode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Where pgwarden's own JDBC connections go (the operator's admin login, the sidecar's catalog
 * reader, local mode), built in one place.
 *
 * <p>Only host, port and database go into the URL, and the database name is percent-encoded
 * (pgjdbc decodes it back): a name such as {@code app?sslmode=disable&socketFactory=...} stays a
 * name and cannot add URL parameters, which pgjdbc would let override the properties. TLS and
 * every other setting travel as connection properties.
 *
 * @param options further pgjdbc connection properties (timeouts, ApplicationName, sslrootcert...)
 */
public record JdbcTarget(String host, int port, String database, SslMode sslMode, Map<String, String> options) {

    public JdbcTarget {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(sslMode, "sslMode");
        if (!urlSafeHost(host)) {
            throw new IllegalArgumentException("host " + host + " could carry a path, parameters or a second host");
        }
        options = Map.copyOf(options);
    }

    public static JdbcTarget of(String host, int port, String database, SslMode sslMode) {
        return new JdbcTarget(host, port, database, sslMode, Map.of());
    }

    /** A policy's database, with its defaults (port 5432, sslMode require). */
    public static JdbcTarget of(DatabaseTarget database) {
        return of(database.host(), database.portOrDefault(), database.name(), database.sslModeOrDefault());
    }

    /** The same target with one more connection property. */
    public JdbcTarget withOption(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(options);
        more.put(name, value);
        return new JdbcTarget(host, port, database, sslMode, more);
    }

    public String url() {
        return "jdbc:postgresql://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":"
                + port + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8);
    }

    /** {@code sslmode} and the options; the caller adds who logs in. */
    public Properties properties() {
        Properties p = new Properties();
        p.putAll(options);
        p.setProperty(
                "sslmode",
                switch (sslMode) {
                    case DISABLE -> "disable";
                    case REQUIRE -> "require";
                    case VERIFY_FULL -> "verify-full";
                });
        return p;
    }

    /** A host name, an IPv4 address or an IPv6 address: what a policy's {@code spec.database.host} may be. */
    public static boolean validHost(String host) {
        return host != null
                && (host.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?") || host.matches("[0-9A-Fa-f:.]+"));
    }

    /**
     * Looser than {@link #validHost}, which the operator applies to policies: the sidecar and local
     * mode also take names such as {@code my_db} from a URL. Refused are only characters that would
     * end the host part of the URL or name a second host.
     */
    private static boolean urlSafeHost(String host) {
        if (host.startsWith("[")) {
            return host.matches("\\[[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*\\]");
        }
        return !host.isEmpty() && host.chars().noneMatch(c -> c <= ' ' || c == 0x7f || "/?#@,\\[]".indexOf(c) >= 0);
    }
}
