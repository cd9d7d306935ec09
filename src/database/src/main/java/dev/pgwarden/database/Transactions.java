package dev.pgwarden.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;

/**
 * Work on the admin connection as one transaction, the way {@link dev.pgwarden.database.masking.MaskingViews}
 * takes it too: the connection's own one in autocommit mode (committed here, rolled back on an
 * exception), else the caller's, which the caller commits or rolls back.
 */
final class Transactions {
    interface Work<T> {
        T run() throws SQLException;
    }

    interface Statement {
        void run() throws SQLException;
    }

    private Transactions() {}

    static <T> T run(Connection connection, Work<T> work) throws SQLException {
        if (!connection.getAutoCommit()) {
            return work.run();
        }
        connection.setAutoCommit(false);
        try {
            T result = work.run();
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /**
     * Runs one step inside the current transaction that may fail without ending it: a savepoint is
     * rolled back on failure, and the error is returned for the caller to report (null when it ran).
     */
    static SQLException attempt(Connection connection, Statement step) throws SQLException {
        Savepoint savepoint = connection.setSavepoint();
        try {
            step.run();
            connection.releaseSavepoint(savepoint);
            return null;
        } catch (SQLException e) {
            connection.rollback(savepoint);
            return e;
        }
    }
}
