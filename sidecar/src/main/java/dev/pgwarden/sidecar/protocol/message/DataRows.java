package dev.pgwarden.sidecar.protocol.message;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads the values of a DataRow ('D') whose columns are in text format. */
public final class DataRows {
    private DataRows() {}

    /** @param body the message after its type and length; a NULL is null */
    public static List<String> text(ByteBuf body) {
        int pos = body.readerIndex();
        int n = body.getUnsignedShort(pos);
        pos += 2;
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int length = body.getInt(pos);
            pos += 4;
            if (length < 0) {
                out.add(null);
                continue;
            }
            if (length > body.writerIndex() - pos) {
                // Checked before decoding: Netty sizes its buffer from the length it is given.
                throw new IndexOutOfBoundsException(
                        "a DataRow column of " + length + " bytes runs past the end of its message");
            }
            out.add(body.toString(pos, length, StandardCharsets.UTF_8));
            pos += length;
        }
        return out;
    }
}
