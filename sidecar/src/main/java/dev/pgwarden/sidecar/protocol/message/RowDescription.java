package dev.pgwarden.sidecar.protocol.message;

import dev.pgwarden.sidecar.protocol.ProtocolException;
import dev.pgwarden.sidecar.protocol.SqlState;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * A RowDescription ('T'), decoded once for everyone who reads it (masking, the recording's row
 * sample).
 */
public record RowDescription(Field[] fields) {
    /**
     * One result column.
     *
     * @param tableOid the table (or view) the column is taken from, 0 for a computed column
     * @param attnum its attribute number there, 0 for a computed column
     * @param binary its values are sent in binary format
     */
    public record Field(String name, int tableOid, int attnum, int typeOid, int typeModifier, boolean binary) {}

    public static final RowDescription NONE = new RowDescription(new Field[0]);

    public int size() {
        return fields.length;
    }

    public Field field(int i) {
        return fields[i];
    }

    public static RowDescription read(ByteBuf body) {
        int pos = body.readerIndex();
        int n = body.getUnsignedShort(pos);
        pos += 2;
        Field[] out = new Field[n];
        for (int i = 0; i < n; i++) {
            int nul = body.indexOf(pos, body.writerIndex(), (byte) 0);
            if (nul < 0 || nul + 19 > body.writerIndex()) {
                throw new ProtocolException(SqlState.PROTOCOL_VIOLATION, "malformed RowDescription from the database");
            }
            String name = body.toString(pos, nul - pos, StandardCharsets.UTF_8);
            pos = nul + 1;
            out[i] = new Field(
                    name,
                    body.getInt(pos),
                    body.getShort(pos + 4),
                    body.getInt(pos + 6),
                    body.getInt(pos + 12),
                    body.getShort(pos + 16) == 1);
            pos += 18;
        }
        return new RowDescription(out);
    }

    /**
     * The same columns in the formats a Bind asked for: a statement's description says text for
     * every column, and the portal's rows come in the formats its Bind chose.
     */
    public RowDescription withFormats(short[] formats) {
        Field[] out = new Field[fields.length];
        for (int i = 0; i < fields.length; i++) {
            boolean binary = formats.length == 0
                    ? false
                    : formats.length == 1 ? formats[0] == 1 : i < formats.length && formats[i] == 1;
            Field f = fields[i];
            out[i] = new Field(f.name, f.tableOid, f.attnum, f.typeOid, f.typeModifier, binary);
        }
        return new RowDescription(out);
    }

    /** Columns about which nothing is known (rows that arrived without a description): none is trusted. */
    public static RowDescription unknown(int columns) {
        Field[] out = new Field[columns];
        java.util.Arrays.fill(out, new Field("?column?", 0, 0, 0, -1, false));
        return new RowDescription(out);
    }
}
