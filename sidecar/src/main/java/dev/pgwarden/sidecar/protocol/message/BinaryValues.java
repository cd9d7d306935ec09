package dev.pgwarden.sidecar.protocol.message;

import io.netty.buffer.ByteBuf;
import java.util.UUID;

/**
 * Renders binary-format parameters of common types as text for the audit log, so an auditor
 * reads {@code 4} rather than {@code \x00000004}. Unknown types stay hex.
 */
final class BinaryValues {
    static final int BOOL = 16;
    static final int INT8 = 20;
    static final int INT2 = 21;
    static final int INT4 = 23;
    static final int OID = 26;
    static final int FLOAT4 = 700;
    static final int FLOAT8 = 701;
    static final int UUID_OID = 2950;

    private BinaryValues() {}

    /** @return the text form, or null when this type/length is not one rendered here */
    static String render(int typeOid, ByteBuf b, int offset, int len) {
        return switch (typeOid) {
            case BOOL -> len == 1 ? String.valueOf(b.getByte(offset) != 0) : null;
            case INT2 -> len == 2 ? String.valueOf(b.getShort(offset)) : null;
            case INT4 -> len == 4 ? String.valueOf(b.getInt(offset)) : null;
            case OID -> len == 4 ? String.valueOf(b.getUnsignedInt(offset)) : null;
            case INT8 -> len == 8 ? String.valueOf(b.getLong(offset)) : null;
            case FLOAT4 -> len == 4 ? String.valueOf(Float.intBitsToFloat(b.getInt(offset))) : null;
            case FLOAT8 -> len == 8 ? String.valueOf(Double.longBitsToDouble(b.getLong(offset))) : null;
            case UUID_OID -> len == 16 ? new UUID(b.getLong(offset), b.getLong(offset + 8)).toString() : null;
            default -> null;
        };
    }
}
