package dev.pgwarden.sidecar.protocol;

import io.netty.buffer.ByteBuf;

/** The fields of an ErrorResponse or NoticeResponse that pgwarden looks at. */
public record ServerError(String severity, String sqlState, String message) {
  public static ServerError parse(ByteBuf body) {
    ByteBuf b = body.duplicate();
    String severity = null;
    String code = null;
    String message = null;
    while (b.isReadable()) {
      byte field = b.readByte();
      if (field == 0) {
        break;
      }
      String value = Messages.readCString(b);
      switch (field) {
        case 'V' -> severity = value;
        case 'S' -> severity = severity == null ? value : severity;
        case 'C' -> code = value;
        case 'M' -> message = value;
        default -> {
        }
      }
    }
    return new ServerError(severity, code, message);
  }
}
