package dev.pgwarden.sidecar.masking.wire;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.sidecar.masking.plan.CatalogSnapshot;
import dev.pgwarden.sidecar.masking.plan.MaskPlan;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.ProtocolException;
import dev.pgwarden.sidecar.protocol.SqlState;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Masks the DataRows of one result. Built from the result's columns: a column taken from a
 * masked attribute gets that attribute's strategy, a computed column the plan's, a column of a
 * relation the snapshot does not know yet the strictest one. Rows keep their shape: same column
 * count, same types, values replaced.
 */
public final class RowMasker {
    private final MaskStrategy[] strategies;
    private final ResultField[] fields;
    private final ValueMasker values;

    private RowMasker(MaskStrategy[] strategies, ResultField[] fields, ValueMasker values) {
        this.strategies = strategies;
        this.fields = fields;
        this.values = values;
    }

    /**
     * @param unknownRelation told when a column comes from a relation the snapshot does not know
     * @return null when no column of the result needs masking
     */
    public static RowMasker of(
            ResultField[] fields,
            MaskPlan plan,
            CatalogSnapshot catalog,
            MaskStrategy strictest,
            ValueMasker values,
            Runnable unknownRelation) {
        MaskStrategy[] strategies = new MaskStrategy[fields.length];
        boolean any = false;
        for (int i = 0; i < fields.length; i++) {
            ResultField f = fields[i];
            MaskStrategy s;
            if (f.tableOid() == 0) {
                s = plan == null ? strictest : plan.derivedStrategy(i, fields.length);
            } else {
                CatalogSnapshot.Attribute a = catalog == null ? null : catalog.attribute(f.tableOid(), f.attnum());
                if (a != null) {
                    s = a.strategy();
                } else if (catalog == null || !catalog.knowsRelation(f.tableOid())) {
                    unknownRelation.run();
                    s = strictest;
                } else {
                    s = null;
                }
            }
            strategies[i] = s;
            any |= s != null;
        }
        return any ? new RowMasker(strategies, fields, values) : null;
    }

    /** @param row a whole DataRow message, type byte included; not released here */
    public ByteBuf mask(ByteBuf row, ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(row.readableBytes() + 16 * strategies.length);
        try {
            maskInto(row, out);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** Appends the masked row to {@code out} (rows of one read go out as one buffer). */
    public void maskInto(ByteBuf row, ByteBuf out) {
        int start = row.readerIndex();
        int end = start + row.readableBytes();
        int n = row.getUnsignedShort(start + 5);
        if (n != strategies.length) {
            throw new ProtocolException(
                    SqlState.PROTOCOL_VIOLATION,
                    "the database sent a row of " + n + " columns for a result of " + strategies.length
                            + "; pgwarden cannot mask it and closes the session");
        }
        int messageStart = out.writerIndex();
        out.writeByte(ProtocolCodes.DATA_ROW);
        out.writeInt(0);
        out.writeShort(n);
        int pos = start + 7;
        int runStart = pos;
        for (int i = 0; i < n; i++) {
            int len = row.getInt(pos);
            int next = pos + 4 + Math.max(len, 0);
            if (next > end) {
                throw new ProtocolException(SqlState.PROTOCOL_VIOLATION, "malformed DataRow from the database");
            }
            MaskStrategy s = strategies[i];
            if (s != null && len >= 0) {
                out.writeBytes(row, runStart, pos - runStart);
                byte[] value = null;
                if (s == MaskStrategy.PARTIAL || s == MaskStrategy.HASH) {
                    value = new byte[len];
                    row.getBytes(pos + 4, value);
                }
                ResultField f = fields[i];
                byte[] masked = values.mask(s, f.typeOid(), f.binary(), value);
                if (masked == null) {
                    out.writeInt(-1);
                } else {
                    out.writeInt(masked.length);
                    out.writeBytes(masked);
                }
                runStart = next;
            }
            pos = next;
        }
        out.writeBytes(row, runStart, pos - runStart);
        out.setInt(messageStart + 1, out.writerIndex() - messageStart - 1);
    }
}
