package dev.pgwarden.database.masking;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The first value of a query, on a statement the test keeps (its session settings with it). */
final class Queries {
  private Queries() {
  }

  static String text(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
