package dev.pgwarden.sidecar.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import java.util.Map;

/** Encoders for the few messages pgwarden writes itself; everything else is relayed as received. */
public final class Messages {
    private Messages() {}

    /** ErrorResponse or NoticeResponse (same layout) with the fields clients show to users. */
    public static ByteBuf errorResponse(
            ByteBufAllocator alloc, String severity, String sqlState, String message, String hint) {
        return fields(alloc, ProtocolCodes.ERROR_RESPONSE, severity, sqlState, message, hint);
    }

    /** An ERROR (or NOTICE, with {@code type} 'N') with a detail line as well as a hint. */
    public static ByteBuf report(
            ByteBufAllocator alloc,
            byte type,
            String severity,
            String sqlState,
            String message,
            String detail,
            String hint) {
        return fields(alloc, type, severity, sqlState, message, detail, hint);
    }

    /** A simple-protocol Query. */
    public static ByteBuf query(ByteBufAllocator alloc, String sql) {
        ByteBuf b = begin(alloc, ProtocolCodes.QUERY);
        cstring(b, sql);
        return end(b);
    }

    /** A Describe of a portal: the server answers with its RowDescription or NoData. */
    public static ByteBuf describePortal(ByteBufAllocator alloc, String portal) {
        ByteBuf b = begin(alloc, ProtocolCodes.DESCRIBE);
        b.writeByte('P');
        cstring(b, portal);
        return end(b);
    }

    /**
     * A Parse of {@code sql} under {@code statementName}, a Close of it, and a Sync: asks the server
     * whether it can parse the text, running nothing and leaving no statement behind.
     */
    public static ByteBuf parseCheck(ByteBufAllocator alloc, String statementName, String sql) {
        ByteBuf b = parse(alloc, statementName, sql);
        ByteBuf close = begin(alloc, ProtocolCodes.CLOSE);
        close.writeByte('S');
        cstring(close, statementName);
        b.writeBytes(end(close));
        close.release();
        ByteBuf sync = begin(alloc, ProtocolCodes.SYNC);
        b.writeBytes(end(sync));
        sync.release();
        return b;
    }

    /** A Flush: the server sends what it has buffered, ending nothing. */
    public static ByteBuf flush(ByteBufAllocator alloc) {
        return end(begin(alloc, ProtocolCodes.FLUSH));
    }

    /** A Bind of {@code statement} with no parameters into {@code portal}, its results as text. */
    public static ByteBuf bind(ByteBufAllocator alloc, String portal, String statement) {
        ByteBuf b = begin(alloc, ProtocolCodes.BIND);
        cstring(b, portal);
        cstring(b, statement);
        b.writeShort(0);
        b.writeShort(0);
        b.writeShort(0);
        return end(b);
    }

    /** An Execute of every row of {@code portal}. */
    public static ByteBuf execute(ByteBufAllocator alloc, String portal) {
        ByteBuf b = begin(alloc, ProtocolCodes.EXECUTE);
        cstring(b, portal);
        b.writeInt(0);
        return end(b);
    }

    /** A Close of a prepared statement ({@code 'S'}) or a portal ({@code 'P'}). */
    public static ByteBuf close(ByteBufAllocator alloc, char kind, String name) {
        ByteBuf b = begin(alloc, ProtocolCodes.CLOSE);
        b.writeByte(kind);
        cstring(b, name);
        return end(b);
    }

    /** A Parse with no declared parameter types. */
    public static ByteBuf parse(ByteBufAllocator alloc, String statementName, String sql) {
        return parse(alloc, statementName, sql, new int[0]);
    }

    /** A Parse declaring the types of its parameters (0 leaves one to the server). */
    public static ByteBuf parse(ByteBufAllocator alloc, String statementName, String sql, int[] parameterTypes) {
        ByteBuf b = begin(alloc, ProtocolCodes.PARSE);
        cstring(b, statementName);
        cstring(b, sql);
        b.writeShort(parameterTypes.length);
        for (int type : parameterTypes) {
            b.writeInt(type);
        }
        return end(b);
    }

    private static ByteBuf fields(
            ByteBufAllocator alloc, byte type, String severity, String sqlState, String message, String hint) {
        return fields(alloc, type, severity, sqlState, message, null, hint);
    }

    private static ByteBuf fields(
            ByteBufAllocator alloc,
            byte type,
            String severity,
            String sqlState,
            String message,
            String detail,
            String hint) {
        ByteBuf b = begin(alloc, type);
        cstringField(b, 'S', severity);
        cstringField(b, 'V', severity);
        cstringField(b, 'C', sqlState);
        cstringField(b, 'M', message);
        if (detail != null) {
            cstringField(b, 'D', detail);
        }
        if (hint != null) {
            cstringField(b, 'H', hint);
        }
        b.writeByte(0);
        return end(b);
    }

    private static void cstringField(ByteBuf b, char code, String value) {
        b.writeByte(code);
        cstring(b, value);
    }

    public static ByteBuf authenticationCleartextPassword(ByteBufAllocator alloc) {
        ByteBuf b = begin(alloc, ProtocolCodes.AUTHENTICATION);
        b.writeInt(3);
        return end(b);
    }

    public static ByteBuf authenticationOk(ByteBufAllocator alloc) {
        ByteBuf b = begin(alloc, ProtocolCodes.AUTHENTICATION);
        b.writeInt(0);
        return end(b);
    }

    public static ByteBuf backendKeyData(ByteBufAllocator alloc, int processId, int secretKey) {
        ByteBuf b = begin(alloc, ProtocolCodes.BACKEND_KEY_DATA);
        b.writeInt(processId);
        b.writeInt(secretKey);
        return end(b);
    }

    public static ByteBuf negotiateProtocolVersion(
            ByteBufAllocator alloc, int newestMinor, List<String> unsupportedOptions) {
        ByteBuf b = begin(alloc, ProtocolCodes.NEGOTIATE_PROTOCOL_VERSION);
        b.writeInt(newestMinor);
        b.writeInt(unsupportedOptions.size());
        unsupportedOptions.forEach(o -> cstring(b, o));
        return end(b);
    }

    public static ByteBuf startupMessage(ByteBufAllocator alloc, Map<String, String> parameters) {
        ByteBuf b = alloc.buffer();
        b.writeInt(0);
        b.writeInt(ProtocolCodes.PROTOCOL_3_0);
        parameters.forEach((k, v) -> {
            cstring(b, k);
            cstring(b, v);
        });
        b.writeByte(0);
        b.setInt(0, b.writerIndex());
        return b;
    }

    public static ByteBuf sslRequest(ByteBufAllocator alloc) {
        return alloc.buffer(8).writeInt(8).writeInt(ProtocolCodes.SSL_REQUEST);
    }

    public static ByteBuf cancelRequest(ByteBufAllocator alloc, int processId, int secretKey) {
        return alloc.buffer(16)
                .writeInt(16)
                .writeInt(ProtocolCodes.CANCEL_REQUEST)
                .writeInt(processId)
                .writeInt(secretKey);
    }

    public static ByteBuf passwordMessage(ByteBufAllocator alloc, String password) {
        ByteBuf b = begin(alloc, ProtocolCodes.PASSWORD);
        cstring(b, password);
        return end(b);
    }

    public static ByteBuf saslInitialResponse(ByteBufAllocator alloc, String mechanism, byte[] data) {
        ByteBuf b = begin(alloc, ProtocolCodes.PASSWORD);
        cstring(b, mechanism);
        b.writeInt(data.length);
        b.writeBytes(data);
        return end(b);
    }

    public static ByteBuf saslResponse(ByteBufAllocator alloc, byte[] data) {
        ByteBuf b = begin(alloc, ProtocolCodes.PASSWORD);
        b.writeBytes(data);
        return end(b);
    }

    private static ByteBuf begin(ByteBufAllocator alloc, byte type) {
        ByteBuf b = alloc.buffer();
        b.writeByte(type);
        b.writeInt(0);
        return b;
    }

    private static ByteBuf end(ByteBuf b) {
        b.setInt(1, b.writerIndex() - 1);
        return b;
    }

    private static void cstring(ByteBuf b, String s) {
        CStrings.write(b, s);
    }
}
