package dev.pgwarden.sidecar.protocol.message;

import dev.pgwarden.sidecar.protocol.CStrings;
import io.netty.buffer.ByteBuf;

/** The fields of an ErrorResponse or NoticeResponse (same layout) that pgwarden looks at. */
public record ErrorFields(String severity, String sqlState, String message) {
    /** @param body the message after its type and length */
    public static ErrorFields read(ByteBuf body) {
        ByteBuf b = body.duplicate();
        String severity = null;
        String code = null;
        String message = null;
        while (b.isReadable()) {
            byte field = b.readByte();
            if (field == 0) {
                break;
            }
            String value = CStrings.read(b);
            switch (field) {
                case 'V' -> severity = value;
                case 'S' -> severity = severity == null ? value : severity;
                case 'C' -> code = value;
                case 'M' -> message = value;
                default -> {}
            }
        }
        return new ErrorFields(severity, code, message);
    }

    /** @param frame a whole message, type byte and length included */
    public static ErrorFields ofFrame(ByteBuf frame) {
        return read(frame.slice(frame.readerIndex() + 5, frame.readableBytes() - 5));
    }
}
