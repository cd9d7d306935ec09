package dev.pgwarden.api.v1alpha1;

/**
 * The kinds a statement is classified into (DESIGN.md). {@code LOCK} is an explicit table lock
 * stronger than ROW SHARE (it can stop the application); {@code SETVAL} moves a sequence
 * ({@code setval}), which can make the application's next keys collide.
 */
public enum StatementKind {
    SELECT,
    INSERT,
    UPDATE,
    DELETE,
    MERGE,
    COPY_TO,
    COPY_FROM,
    CREATE,
    ALTER,
    DROP,
    TRUNCATE,
    GRANT,
    REVOKE,
    CREATE_ROLE,
    ALTER_ROLE,
    DROP_ROLE,
    CALL,
    DO,
    SET,
    SHOW,
    TRANSACTION,
    EXPLAIN,
    VACUUM,
    ANALYZE,
    PREPARE,
    EXECUTE,
    DECLARE,
    FETCH,
    LISTEN,
    NOTIFY,
    LOCK,
    SETVAL,
    OTHER,
    UNPARSEABLE
}
