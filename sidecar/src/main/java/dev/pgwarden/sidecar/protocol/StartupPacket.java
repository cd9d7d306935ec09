package dev.pgwarden.sidecar.protocol;

import io.netty.buffer.ByteBuf;
import java.util.LinkedHashMap;
import java.util.Map;

/** An untyped startup-phase packet: its code (protocol version or a special request) and contents. */
public record StartupPacket(int code, Map<String, String> parameters, int cancelProcessId, int cancelSecret) {

    public int majorVersion() {
        return code >>> 16;
    }

    public int minorVersion() {
        return code & 0xffff;
    }

    public static StartupPacket parse(PgMessage message) {
        ByteBuf b = message.body();
        int code = b.readInt();
        if (code == ProtocolCodes.CANCEL_REQUEST) {
            if (b.readableBytes() < 8) {
                throw new ProtocolException(SqlState.PROTOCOL_VIOLATION, "invalid cancel request");
            }
            return new StartupPacket(code, Map.of(), b.readInt(), b.readInt());
        }
        Map<String, String> params = new LinkedHashMap<>();
        if ((code >>> 16) == 3) {
            while (b.isReadable() && b.getByte(b.readerIndex()) != 0) {
                String key = CStrings.read(b);
                String value = CStrings.read(b);
                params.put(key, value);
            }
        }
        return new StartupPacket(code, params, 0, 0);
    }
}
