package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.masking.MaskingEngine;
import dev.pgwarden.sidecar.masking.plan.MaskPlan;
import dev.pgwarden.sidecar.masking.wire.MessageScrubber;
import dev.pgwarden.sidecar.masking.wire.ResultField;
import dev.pgwarden.sidecar.masking.wire.RowMasker;
import dev.pgwarden.sidecar.masking.wire.ValueMasker;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.message.ErrorFields;
import dev.pgwarden.sidecar.protocol.message.RowDescription;
import dev.pgwarden.sidecar.sql.SqlNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Set;

/**
 * How the results, errors and notices of the statement now running are masked: the rows of the
 * current result (decided at its RowDescription, or at its first row for an Execute, whose rows
 * carry no description of their own), and the values scrubbed from messages about statements that
 * read masked columns. One per session; event loop only.
 */
public final class ResultMasking {
    private final ByteBufAllocator alloc;
    private MaskingEngine engine;
    private ValueMasker values;
    /** DDL was sent in this transaction: until it ends and the catalog is reread, nothing is trusted. */
    private boolean catalogDirty;
    /** How the rows of the result being received are masked; null to relay them as they are. */
    private RowMasker rows;
    /** {@link #rows} is decided for the current result. */
    private boolean rowsDecided;

    public ResultMasking(MaskingEngine engine, ByteBufAllocator alloc) {
        this.alloc = alloc;
        this.engine = engine;
        this.values = engine.enabled() ? engine.newValueMasker() : null;
    }

    public boolean enabled() {
        return engine.enabled();
    }

    /**
     * A policy reload changed the masking: results from now on are masked with it (statements
     * already running keep the plan they were decided with; their rows are matched against the new
     * engine's catalog, or masked whole while it has none). Descriptions gathered so far stay
     * valid, since they describe the server's columns, not the policy.
     */
    public void use(MaskingEngine next) {
        if (next == engine) {
            return;
        }
        engine = next;
        values = next.enabled() ? next.newValueMasker() : null;
        if (!next.enabled()) {
            catalogDirty = false; // nothing left to reread the catalog for
        }
    }

    /** The gate let DDL through: until its transaction ends, results are masked as if nothing were known. */
    public void ddlForwarded() {
        if (engine.enabled()) {
            catalogDirty = true;
        }
    }

    public boolean catalogDirty() {
        return catalogDirty;
    }

    /** Out of any transaction: DDL sent in it is committed or rolled back, and the catalog may differ. */
    void transactionEnded() {
        if (catalogDirty) {
            catalogDirty = false;
            engine.catalog().invalidate();
        }
    }

    // ---------------------------------------------------------------- rows

    /** A result begins with these columns, produced by a statement decided as {@code decision}. */
    void startRows(RowDescription columns, StatementDecision decision) {
        if (!engine.enabled()) {
            return;
        }
        // After DDL in this transaction the snapshot may describe relations that no longer are what they were.
        rows = RowMasker.of(
                fields(columns),
                decision == null || catalogDirty ? null : decision.mask(),
                catalogDirty ? null : engine.catalog().latest(),
                engine.strictest(),
                values,
                this::unknownRelation);
        rowsDecided = true;
    }

    void endRows() {
        rows = null;
        rowsDecided = false;
    }

    boolean rowsDecided() {
        return rowsDecided;
    }

    RowMasker rows() {
        return rows;
    }

    private void unknownRelation() {
        // A relation newer than the snapshot: its columns are masked whole until the next one.
        if (engine.enabled()) {
            engine.catalog().refresh();
        }
    }

    private static ResultField[] fields(RowDescription d) {
        ResultField[] out = new ResultField[d.size()];
        for (int i = 0; i < out.length; i++) {
            RowDescription.Field f = d.field(i);
            out[i] = new ResultField(f.tableOid(), f.attnum(), f.typeOid(), f.binary());
        }
        return out;
    }

    // ---------------------------------------------------------------- errors and notices

    /**
     * Errors and notices about statements that read masked columns lose the values they quote.
     *
     * @param decision how the statement the message is about was decided; null when unknown
     * @param sql its text, when known
     * @return the scrubbed message, or null to relay {@code m} as it is
     */
    ByteBuf scrub(PgMessage m, StatementDecision decision, String sql) {
        if (!engine.enabled()) {
            return null;
        }
        if (decision != null && decision.mask() != null && !decision.mask().sensitive()) {
            return null;
        }
        Set<String> names;
        try {
            names = SqlNames.of(sql);
        } catch (IllegalStateException e) {
            names = Set.of();
        }
        MaskPlan plan = decision == null ? null : decision.mask();
        boolean opaque = plan == null || plan.opaqueCode();
        boolean withhold =
                opaque && m.type() == ProtocolCodes.NOTICE_RESPONSE || opaque && decision != null && isCodeError(m);
        return MessageScrubber.scrub(m.frame(), names, withhold, alloc);
    }

    /** An error raised by PL/pgSQL code (RAISE, ASSERT): its message is whatever the code wrote. */
    private static boolean isCodeError(PgMessage m) {
        String state = ErrorFields.read(m.body()).sqlState();
        return state != null && state.startsWith("P0");
    }
}
