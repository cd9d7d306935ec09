package dev.pgwarden.sidecar.upstream;

import dev.pgwarden.api.jdbc.JdbcTarget;
import dev.pgwarden.api.v1alpha1.SslMode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * A JDBC connection of pgwarden's own to the database the sessions use (same role, same TLS), for
 * catalog reads off the event loops: the masking catalog and the estimates in approval requests.
 */
public final class UpstreamJdbc {
    private UpstreamJdbc() {}

    /**
     * @param upstream the configuration as it is now (credentials rotate while the sidecar runs)
     * @param applicationName what {@code pg_stat_activity} shows for the connection
     * @param timeoutSeconds for each answer (and for connecting, up to 10 s)
     */
    public static Connection connect(UpstreamConfig upstream, String applicationName, int timeoutSeconds)
            throws SQLException {
        SslMode mode = upstream.sslMode() == null ? SslMode.DISABLE : upstream.sslMode();
        Properties p = new Properties();
        p.setProperty("user", upstream.user());
        if (upstream.password() != null) {
            p.setProperty("password", upstream.password());
        }
        p.setProperty("ApplicationName", applicationName);
        p.setProperty(
                "sslmode",
                switch (mode) {
                    case DISABLE -> "disable";
                    case REQUIRE -> "require";
                    case VERIFY_FULL -> "verify-full";
                });
        if (upstream.caFile() != null) {
            p.setProperty("sslrootcert", upstream.caFile().toString());
        }
        p.setProperty("connectTimeout", Integer.toString(Math.min(timeoutSeconds, 10)));
        p.setProperty("socketTimeout", Integer.toString(timeoutSeconds));
        Connection c = DriverManager.getConnection(
                JdbcTarget.of(upstream.host(), upstream.port(), upstream.database(), mode)
                        .url(),
                p);
        c.setAutoCommit(true);
        return c;
    }
}
