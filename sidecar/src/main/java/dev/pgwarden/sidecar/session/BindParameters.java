package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.protocol.Messages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads a Bind message: portal, statement and the parameter values, rendered for the audit log. */
record BindParameters(String portal, String statement, List<String> values, short[] resultFormats) {
  private static final int MAX_TEXT = 1024;
  private static final int MAX_BINARY = 256;

  /** @param typeOids the parameter types declared when the statement was parsed (may be shorter) */
  static BindParameters parse(ByteBuf body, int[] typeOids) {
    ByteBuf b = body.duplicate();
    String portal = Messages.readCString(b);
    String statement = Messages.readCString(b);
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
    return new BindParameters(portal, statement, values, results);
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
