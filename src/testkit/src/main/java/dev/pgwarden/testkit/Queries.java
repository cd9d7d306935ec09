package dev.pgwarden.testkit;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** One-line JDBC questions tests ask of a session: the first value, or the SQLSTATE it fails with. */
public final class Queries {
    private Queries() {}

    /** The first column of the first row. */
    public static String one(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The SQLSTATE the statement fails with, or null when it runs. */
    public static String sqlState(Connection c, String sql) {
        try {
            one(c, sql);
            return null;
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }
}
