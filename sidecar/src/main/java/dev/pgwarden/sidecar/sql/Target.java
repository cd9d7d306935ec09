package dev.pgwarden.sidecar.sql;

/**
 * The session object a statement names besides tables: a setting, a prepared statement or a
 * cursor. The proxy follows these objects through the session (EXECUTE is judged by the body
 * PREPARE gave it, FETCH is masked as its cursor's query), so each kind of reference is its own
 * type rather than a string to be parsed again.
 */
public sealed interface Target {

    /**
     * SET, RESET or SHOW of a run-time parameter.
     *
     * @param name as PostgreSQL looks parameters up: lower case, whether quoted or not, with the
     *     spelled-out forms SET allows resolved ({@code TIME ZONE} is {@code timezone}); {@code all}
     *     for RESET ALL and SHOW ALL
     */
    record Setting(String name) implements Target {
        public boolean all() {
            return name.equals("all");
        }
    }

    /** DISCARD ALL, PLANS, SEQUENCES or TEMP: {@code what} in lower case. */
    record Discard(String what) implements Target {
        public boolean all() {
            return what.equals("all");
        }
    }

    /** PREPARE of the SQL-level prepared statement {@code name}. */
    record Prepare(String name) implements Target {}

    /**
     * EXECUTE of the prepared statement {@code name} (empty when the statement names none), also
     * for a statement that runs an EXECUTE (EXPLAIN ANALYZE EXECUTE, CREATE TABLE ... AS EXECUTE).
     */
    record Execute(String name) implements Target {}

    /** DEALLOCATE of the prepared statement {@code name}, or of all of them when {@code name} is null. */
    record Deallocate(String name) implements Target {
        public boolean all() {
            return name == null;
        }
    }

    /** The cursor DECLARE creates, or FETCH and MOVE read. */
    record Cursor(String name) implements Target {}

    /** CLOSE of the cursor {@code name}, or of all of them when {@code name} is null. */
    record CloseCursor(String name) implements Target {
        public boolean all() {
            return name == null;
        }
    }
}
