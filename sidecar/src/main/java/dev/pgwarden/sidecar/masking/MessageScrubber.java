package dev.pgwarden.sidecar.masking;

import dev.pgwarden.sidecar.protocol.Messages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Removes values from the server's errors and notices about statements that read masked columns:
 * {@code invalid input syntax for type integer: "alice@example.com"} or a unique violation's
 * {@code Key (email)=(...)} would otherwise hand a masked value to the agent. A quoted part of
 * the message or hint stays only when the statement itself holds that name (a column, a table,
 * a type: what the agent needs to fix its statement); the detail, the context and the internal
 * query, which quote rows and values, are withheld.
 */
public final class MessageScrubber {
  static final String WITHHELD = "pgwarden withheld the detail: the statement reads masked columns";
  static final String WITHHELD_MESSAGE = "pgwarden withheld this message: it comes from code that may have read"
      + " masked columns (its SQLSTATE is kept)";
  static final String QUOTED_VALUE = "\"[redacted]\"";

  private MessageScrubber() {
  }

  /**
   * @param message a whole ErrorResponse or NoticeResponse, type byte included; not released here
   * @param statementNames the names in the statement the message is about
   */
  public static ByteBuf scrub(ByteBuf message, Set<String> statementNames, boolean withholdMessage,
      ByteBufAllocator alloc) {
    ByteBuf in = message.duplicate();
    byte type = in.readByte();
    in.readInt();
    ByteBuf out = alloc.buffer(in.readableBytes() + 64);
    out.writeByte(type);
    out.writeInt(0);
    while (in.isReadable()) {
      byte field = in.readByte();
      if (field == 0) {
        break;
      }
      String value = Messages.readCString(in);
      switch (field) {
        case 'M' -> value = withholdMessage ? WITHHELD_MESSAGE : redactQuoted(value, statementNames);
        case 'H' -> value = redactQuoted(value, statementNames);
        case 'D' -> value = WITHHELD;
        case 'W', 'q' -> value = null;
        default -> {
        }
      }
      if (value != null) {
        out.writeByte(field);
        out.writeCharSequence(value, StandardCharsets.UTF_8);
        out.writeByte(0);
      }
    }
    out.writeByte(0);
    out.setInt(1, out.writerIndex() - 1);
    return out;
  }

  /** Replaces every "quoted" part that is not a name of the statement. */
  static String redactQuoted(String s, Set<String> names) {
    StringBuilder b = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      int open = s.indexOf('"', i);
      if (open < 0) {
        b.append(s, i, s.length());
        break;
      }
      int close = s.indexOf('"', open + 1);
      if (close < 0) {
        // An unbalanced quote: whatever follows may be a value.
        b.append(s, i, open).append(QUOTED_VALUE);
        break;
      }
      String inner = s.substring(open + 1, close);
      b.append(s, i, open);
      b.append(isName(inner, names) ? s.substring(open, close + 1) : QUOTED_VALUE);
      i = close + 1;
    }
    return b.toString();
  }

  /** A name of the statement, possibly qualified (customers.emial) or with a type's modifiers. */
  private static boolean isName(String inner, Set<String> names) {
    if (inner.isEmpty()) {
      return false;
    }
    for (String part : inner.split("\\.", -1)) {
      if (!names.contains(part) && !names.contains(part.toLowerCase(java.util.Locale.ROOT))) {
        return false;
      }
    }
    return true;
  }
}
