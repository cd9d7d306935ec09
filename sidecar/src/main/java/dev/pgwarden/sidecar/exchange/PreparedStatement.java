package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.protocol.message.RowDescription;
import dev.pgwarden.sidecar.sql.Classification;

/**
 * A prepared statement as pgwarden knows it, whether a Parse message or SQL {@code PREPARE}
 * made it (the server keeps both in one namespace, so each can run the other's).
 *
 * @param sql the statement's text (for PREPARE, the whole PREPARE statement)
 * @param parameterTypes types the client declared, for rendering binary parameters in the audit
 * @param classification what running it does (for PREPARE, the body's effects)
 * @param viaSql made by SQL PREPARE: running it is judged as {@code EXECUTE name} is
 */
public final class PreparedStatement {
    private static final int[] NO_TYPES = new int[0];

    private final String name;
    private final String sql;
    private final int[] parameterTypes;
    private final Classification classification;
    private final boolean viaSql;
    /** Its result columns once the server described them, else null. */
    private RowDescription description;

    PreparedStatement(String name, String sql, int[] parameterTypes, Classification classification, boolean viaSql) {
        this.name = name;
        this.sql = sql;
        this.parameterTypes = parameterTypes == null ? NO_TYPES : parameterTypes;
        this.classification = classification;
        this.viaSql = viaSql;
    }

    /** The name as the client wrote it. */
    public String name() {
        return name;
    }

    public String sql() {
        return sql;
    }

    public int[] parameterTypes() {
        return parameterTypes;
    }

    public Classification classification() {
        return classification;
    }

    public boolean viaSql() {
        return viaSql;
    }

    RowDescription description() {
        return description;
    }

    void described(RowDescription d) {
        description = d;
    }
}
