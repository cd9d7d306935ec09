package dev.pgwarden.database;

import dev.pgwarden.api.jdbc.JdbcTarget;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/** Opens the administrative connection pgwarden manages a policy's roles over. */
public final class AdminConnection {
    /** Work on the database must not hang on an unreachable server: it fails, is reported, and is retried. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(60);

    private AdminConnection() {}

    /**
     * @param applicationName what {@code pg_stat_activity} shows for the session, e.g. {@code pgwarden-operator}
     * @throws SQLException also for a host that could not be part of a URL (SQLSTATE 08001)
     */
    public static Connection open(DatabaseTarget target, AdminCredentials admin, String applicationName)
            throws SQLException {
        JdbcTarget jdbc;
        try {
            jdbc = JdbcTarget.of(target)
                    .withOption("connectTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()))
                    .withOption("loginTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()))
                    .withOption("socketTimeout", Long.toString(SOCKET_TIMEOUT.toSeconds()))
                    .withOption("ApplicationName", applicationName);
        } catch (IllegalArgumentException e) {
            throw new SQLException(e.getMessage(), "08001", e);
        }
        Properties p = jdbc.properties();
        p.setProperty("user", admin.username());
        p.setProperty("password", admin.password());
        return DriverManager.getConnection(jdbc.url(), p);
    }
}
