package dev.pgwarden.operator.policy;

import dev.pgwarden.api.v1alpha1.DatabaseTarget;
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
    String url = "jdbc:postgresql://" + hostForUrl(target.host()) + ":" + target.portOrDefault() + "/" + target.name();
    return DriverManager.getConnection(url, p);
  }

  private static String hostForUrl(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }
}
