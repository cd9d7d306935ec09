package dev.pgwarden.sidecar.protocol.message;

import dev.pgwarden.sidecar.protocol.CStrings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A Bind ('B'): a portal from a prepared statement and parameter values. Values are kept rendered
 * as text for the audit: text-format values as sent (cut at 1 KiB), binary ones of common types
 * as their text form, other binary ones as hex (cut at 256 bytes).
 *
 * @param resultFormats the format codes of the result columns (none: all text; one: all columns)
 */
public record Bind(String portal, String statement, List<String> values, short[] resultFormats) {
    private static final int MAX_TEXT = 1024;
    private static final int MAX_BINARY = 256;

    /** The statement a Bind names, read without the rest. */
    public static String statementOf(ByteBuf body) {
        ByteBuf b = body.duplicate();
        CStrings.read(b);
        return CStrings.read(b);
    }

    /** @param parameterTypes the types declared when the named statement was parsed (may be shorter) */
    public static Bind read(ByteBuf body, Function<String, int[]> parameterTypes) {
        ByteBuf b = body.duplicate();
        String portal = CStrings.read(b);
        String statement = CStrings.read(b);
        int[] typeOids = parameterTypes.apply(statement);
        int formatCount = b.readUnsignedShort();
        short[] formats = new short[formatCount];
        for (int i = 0; i < formatCount; i++) {
            formats[i] = b.readShort();
        }
        int paramCount = b.readUnsignedShort();
        List<String> values = new ArrayList<>(paramCount);
        for (int i = 0; i < paramCount; i++) {
            int len = b.readInt();
            if (len < 0) {
                values.add(null);
                continue;
            }
            int format = formatCount == 0 ? 0 : formatCount == 1 ? formats[0] : formats[i];
            int type = i < typeOids.length ? typeOids[i] : 0;
            values.add(format == 0 ? text(b, len) : binary(b, len, type));
            b.skipBytes(len);
        }
        short[] results = new short[b.readUnsignedShort()];
        for (int i = 0; i < results.length; i++) {
            results[i] = b.readShort();
        }
        return new Bind(portal, statement, values, results);
    }

    private static String text(ByteBuf b, int len) {
        if (len <= MAX_TEXT) {
            return b.toString(b.readerIndex(), len, StandardCharsets.UTF_8);
        }
        return b.toString(b.readerIndex(), MAX_TEXT, StandardCharsets.UTF_8) + "...(" + len + " bytes)";
    }

    private static String binary(ByteBuf b, int len, int type) {
        String rendered = BinaryValues.render(type, b, b.readerIndex(), len);
        if (rendered != null) {
            return rendered;
        }
        String hex = ByteBufUtil.hexDump(b, b.readerIndex(), Math.min(len, MAX_BINARY));
        return "\\x" + hex + (len > MAX_BINARY ? "...(" + len + " bytes)" : "");
    }
}
