package dev.pgwarden.sidecar.upstream;

import dev.pgwarden.api.v1alpha1.SslMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Parses {@code postgresql://user:password@host:port/database?sslmode=...}. Without sslmode,
 * loopback hosts default to {@code disable} and every other host to {@code require}: a password
 * never crosses a network in clear unless someone asked for it.
 */
public final class UpstreamUrl {
    private UpstreamUrl() {}

    public static UpstreamConfig parse(String url, String passwordOverride) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: expected postgresql://user:password@host:port/database");
        }
        if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
            throw new IllegalArgumentException("the upstream URL must start with postgresql://");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("the upstream URL has no host");
        }
        String user = null;
        String password = passwordOverride;
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            if (colon >= 0 && password == null) {
                password = decode(info.substring(colon + 1));
            }
        }
        if (user == null || user.isEmpty()) {
            throw new IllegalArgumentException("the upstream URL has no user: postgresql://USER@host/database");
        }
        String path = uri.getPath();
        String database = path == null || path.length() <= 1 ? user : decode(path.substring(1));
        boolean loopback = uri.getHost().equals("localhost")
                || uri.getHost().startsWith("127.")
                || uri.getHost().equals("[::1]");
        SslMode mode = loopback ? SslMode.DISABLE : SslMode.REQUIRE;
        Path ca = null;
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                String key = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                switch (key) {
                    case "sslmode" ->
                        mode = switch (value.toLowerCase(Locale.ROOT)) {
                            case "disable" -> SslMode.DISABLE;
                            case "require" -> SslMode.REQUIRE;
                            case "verify-full" -> SslMode.VERIFY_FULL;
                            default ->
                                throw new IllegalArgumentException(
                                        "sslmode " + value + " is not supported: use disable, require or verify-full");
                        };
                    case "sslrootcert" -> ca = Path.of(value);
                    default ->
                        throw new IllegalArgumentException(
                                "unknown upstream URL parameter " + key + ": only sslmode and sslrootcert are read");
                }
            }
        }
        return new UpstreamConfig(
                uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), database, user, password, mode, ca);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
