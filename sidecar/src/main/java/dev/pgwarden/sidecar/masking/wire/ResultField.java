package dev.pgwarden.sidecar.masking.wire;

import io.netty.buffer.ByteBuf;

/**
 * One column of a RowDescription: where it comes from and how it is sent.
 *
 * @param tableOid the table (or view) the column is taken from, 0 for a computed column
 * @param binary the column's values are in binary format
 */
public record ResultField(int tableOid, int attnum, int typeOid, boolean binary) {

    /** Reads a RowDescription body (after type and length), leaving the buffer's indexes alone. */
    public static ResultField[] read(ByteBuf body) {
        int pos = body.readerIndex();
        int n = body.getUnsignedShort(pos);
        pos += 2;
        ResultField[] out = new ResultField[n];
        for (int i = 0; i < n; i++) {
            int nul = body.indexOf(pos, body.writerIndex(), (byte) 0);
            if (nul < 0) {
                throw new IndexOutOfBoundsException("RowDescription field name without its terminator");
            }
            pos = nul + 1;
            int table = body.getInt(pos);
            int attnum = body.getShort(pos + 4);
            int type = body.getInt(pos + 6);
            int format = body.getShort(pos + 16);
            out[i] = new ResultField(table, attnum, type, format == 1);
            pos += 18;
        }
        return out;
    }

    /** The same columns in the formats a Bind asked for (a statement's description says text for all). */
    public static ResultField[] withFormats(ResultField[] fields, short[] formats) {
        ResultField[] out = new ResultField[fields.length];
        for (int i = 0; i < fields.length; i++) {
            boolean binary = formats.length == 0
                    ? false
                    : formats.length == 1 ? formats[0] == 1 : i < formats.length && formats[i] == 1;
            ResultField f = fields[i];
            out[i] = new ResultField(f.tableOid, f.attnum, f.typeOid, binary);
        }
        return out;
    }
}
