package dev.pgwarden.operator.policy;

import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/** Opens the operator's administrative connection to a policy's database. */
public final class DatabaseAdmin {
  /** A reconcile must not hang on an unreachable database: it fails, reports Degraded and retries. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(60);

  private DatabaseAdmin() {
  }

  public static Connection connect(DatabaseTarget target, AdminCredentials admin) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", admin.username());
    p.setProperty("password", admin.password());
    p.setProperty("sslmode", switch (target.sslModeOrDefault()) {
      case DISABLE -> "disable";
      case REQUIRE -> "require";
      case VERIFY_FULL -> "verify-full";
    });
    p.setProperty("connectTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()));
    p.setProperty("loginTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()));
    p.setProperty("socketTimeout", Long.toString(SOCKET_TIMEOUT.toSeconds()));
    p.setProperty("ApplicationName", "pgwarden-operator");
    // The name is encoded so that nothing in it can add URL parameters (which override the properties above).
    String url = "jdbc:postgresql://" + hostForUrl(target.host()) + ":" + target.portOrDefault() + "/"
        + URLEncoder.encode(target.name(), StandardCharsets.UTF_8);
    return DriverManager.getConnection(url, p);
  }

  /** A host name, an IPv4 address or an IPv6 address: nothing that could carry a path or parameters. */
  public static boolean validHost(String host) {
    return host != null && (host.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?") || host.matches("[0-9A-Fa-f:.]+"));
  }

  private static String hostForUrl(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }
}
