package dev.pgwarden.database.masking;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The statements one apply runs that change the database, in order, on the admin connection.
 * Where a statement may fail for a reason the catalog did not show beforehand (a view someone
 * else made depend on ours), it runs in a savepoint, so that the failure becomes a problem and the
 * rest of the apply goes on in the same transaction.
 */
final class Changes {
    private final Connection connection;
    private final List<String> done = new ArrayList<>();
    private int savepoints;

    Changes(Connection connection) {
        this.connection = connection;
    }

    Connection connection() {
        return connection;
    }

    void run(String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
        done.add(sql);
    }

    /** Records a change made with bind parameters, described without them. */
    void record(String description) {
        done.add(description);
    }

    /** Statements, and the reads between them, run as one step that may fail. */
    @FunctionalInterface
    interface Step {
        void run() throws SQLException;
    }

    /**
     * Runs {@code step} in a savepoint; when it fails, rolls it back and returns the error instead
     * of throwing it, so that one view's failure does not undo the rest of the apply.
     */
    SQLException attempt(Step step) throws SQLException {
        Savepoint savepoint = connection.setSavepoint("pgwarden_mask_" + ++savepoints);
        int before = done.size();
        try {
            step.run();
            connection.releaseSavepoint(savepoint);
            return null;
        } catch (SQLException e) {
            connection.rollback(savepoint);
            done.subList(before, done.size()).clear();
            return e;
        }
    }

    List<String> done() {
        return List.copyOf(done);
    }
}
