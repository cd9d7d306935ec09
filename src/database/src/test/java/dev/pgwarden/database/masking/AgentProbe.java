package dev.pgwarden.database.masking;

import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Runs statements as the agent and keeps everything the agent could see: every value of every
 * row, COPY output, notices and warnings, and the whole of an error (message, detail, hint,
 * context, internal query). A statement that fails ends the run.
 */
final class AgentProbe {
    /**
     * @param seen every text the agent received
     * @param sqlState the SQLSTATE of the failing statement, or null when all ran
     * @param rows the last statement's row count (COPY: lines)
     */
    record Outcome(List<String> seen, String sqlState, int rows) {}

    private AgentProbe() {}

    static Outcome run(Connection c, List<String> statements) {
        List<String> seen = new ArrayList<>();
        int rows = 0;
        for (String sql : statements) {
            rows = 0;
            try (Statement s = c.createStatement()) {
                try {
                    if (sql.startsWith("COPY")) {
                        StringWriter out = new StringWriter();
                        rows = (int) c.unwrap(PGConnection.class).getCopyAPI().copyOut(sql, out);
                        seen.add(out.toString());
                    } else if (s.execute(sql)) {
                        rows = values(s.getResultSet(), seen);
                    }
                } finally {
                    warnings(s.getWarnings(), seen);
                    warnings(c.getWarnings(), seen);
                    c.clearWarnings();
                }
            } catch (SQLException e) {
                error(e, seen);
                return new Outcome(seen, e.getSQLState(), 0);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return new Outcome(seen, null, rows);
    }

    private static int values(ResultSet rs, List<String> seen) throws SQLException {
        int rows = 0;
        try (rs) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                rows++;
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    seen.add(rs.getString(i));
                }
            }
        }
        return rows;
    }

    private static void warnings(SQLWarning w, List<String> seen) {
        for (; w != null; w = w.getNextWarning()) {
            seen.add(w.getMessage());
            if (w instanceof org.postgresql.util.PSQLWarning pw && pw.getServerErrorMessage() != null) {
                server(pw.getServerErrorMessage(), seen);
            }
        }
    }

    private static void error(SQLException e, List<String> seen) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            seen.add(t.getMessage());
            if (t instanceof PSQLException p && p.getServerErrorMessage() != null) {
                server(p.getServerErrorMessage(), seen);
            }
        }
    }

    private static void server(ServerErrorMessage m, List<String> seen) {
        seen.add(m.getMessage());
        seen.add(m.getDetail());
        seen.add(m.getHint());
        seen.add(m.getWhere());
        seen.add(m.getInternalQuery());
    }
}
