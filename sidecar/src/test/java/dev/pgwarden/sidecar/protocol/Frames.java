package dev.pgwarden.sidecar.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Protocol frames written by hand for tests that feed the gate and the exchange without a network:
 * what a client sends, what a server answers, and the decoding of whatever pgwarden writes back.
 * Independent of the main code's encoders on purpose, so a test never agrees with a bug because
 * both sides share it.
 */
public final class Frames {
    private Frames() {}

    /** One decoded message: its type byte and its body. */
    public record Msg(char type, byte[] body) {
        /** The NUL-terminated strings at the start of the body (as many as there are). */
        public List<String> strings() {
            List<String> out = new ArrayList<>();
            int i = 0;
            while (i < body.length) {
                int end = i;
                while (end < body.length && body[end] != 0) {
                    end++;
                }
                if (end == body.length) {
                    break;
                }
                out.add(new String(body, i, end - i, StandardCharsets.UTF_8));
                i = end + 1;
            }
            return out;
        }

        /** The first string of the body: a Query's text, a CommandComplete's tag, a Parse's name. */
        public String text() {
            List<String> s = strings();
            return s.isEmpty() ? "" : s.get(0);
        }

        /** For a Parse: its statement text. */
        public String parseSql() {
            return strings().get(1);
        }

        /** For a Parse: its statement name and text. */
        public List<String> parseNameAndSql() {
            return strings().subList(0, 2);
        }

        /** The fields of an ErrorResponse or NoticeResponse by their one-letter codes. */
        public Map<Character, String> fields() {
            Map<Character, String> out = new HashMap<>();
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char code = (char) body[i++];
                int end = i;
                while (body[end] != 0) {
                    end++;
                }
                out.put(code, new String(body, i, end - i, StandardCharsets.UTF_8));
                i = end + 1;
            }
            return out;
        }

        public String sqlState() {
            return fields().get('C');
        }

        public String message() {
            return fields().get('M');
        }

        @Override
        public String toString() {
            return type == 'E' || type == 'N'
                    ? type + fields().toString()
                    : type + strings().toString();
        }
    }

    // ---------------------------------------------------------------- client to server

    public static byte[] query(String sql) {
        return typed('Q', cstring(sql));
    }

    public static byte[] parse(String name, String sql, int... parameterTypes) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(cstring(name));
        b.writeBytes(cstring(sql));
        b.writeBytes(
                ByteBuffer.allocate(2).putShort((short) parameterTypes.length).array());
        for (int t : parameterTypes) {
            b.writeBytes(ByteBuffer.allocate(4).putInt(t).array());
        }
        return typed('P', b.toByteArray());
    }

    /** A Bind with text parameters and text results. */
    public static byte[] bind(String portal, String statement, String... textParameters) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(cstring(portal));
        b.writeBytes(cstring(statement));
        b.writeBytes(new byte[] {0, 0});
        b.writeBytes(
                ByteBuffer.allocate(2).putShort((short) textParameters.length).array());
        for (String p : textParameters) {
            if (p == null) {
                b.writeBytes(ByteBuffer.allocate(4).putInt(-1).array());
            } else {
                byte[] v = p.getBytes(StandardCharsets.UTF_8);
                b.writeBytes(ByteBuffer.allocate(4).putInt(v.length).array());
                b.writeBytes(v);
            }
        }
        b.writeBytes(new byte[] {0, 0});
        return typed('B', b.toByteArray());
    }

    public static byte[] execute(String portal) {
        return execute(portal, 0);
    }

    public static byte[] execute(String portal, int maxRows) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(cstring(portal));
        b.writeBytes(ByteBuffer.allocate(4).putInt(maxRows).array());
        return typed('E', b.toByteArray());
    }

    public static byte[] describePortal(String portal) {
        return typed('D', concat(new byte[] {'P'}, cstring(portal)));
    }

    public static byte[] describeStatement(String statement) {
        return typed('D', concat(new byte[] {'S'}, cstring(statement)));
    }

    public static byte[] closePortal(String portal) {
        return typed('C', concat(new byte[] {'P'}, cstring(portal)));
    }

    public static byte[] closeStatement(String statement) {
        return typed('C', concat(new byte[] {'S'}, cstring(statement)));
    }

    public static byte[] sync() {
        return typed('S', new byte[0]);
    }

    public static byte[] flush() {
        return typed('H', new byte[0]);
    }

    public static byte[] terminate() {
        return typed('X', new byte[0]);
    }

    /** A fast-path FunctionCall of {@code oid} with no arguments, text result. */
    public static byte[] functionCall(int oid) {
        return typed(
                'F',
                ByteBuffer.allocate(10)
                        .putInt(oid)
                        .putShort((short) 0)
                        .putShort((short) 0)
                        .putShort((short) 0)
                        .array());
    }

    // ---------------------------------------------------------------- server to client

    public static byte[] parseComplete() {
        return typed('1', new byte[0]);
    }

    public static byte[] bindComplete() {
        return typed('2', new byte[0]);
    }

    public static byte[] closeComplete() {
        return typed('3', new byte[0]);
    }

    public static byte[] noData() {
        return typed('n', new byte[0]);
    }

    public static byte[] emptyQuery() {
        return typed('I', new byte[0]);
    }

    public static byte[] portalSuspended() {
        return typed('s', new byte[0]);
    }

    public static byte[] commandComplete(String tag) {
        return typed('C', cstring(tag));
    }

    /** @param status I (idle), T (in a transaction block) or E (in a failed one) */
    public static byte[] readyForQuery(char status) {
        return typed('Z', new byte[] {(byte) status});
    }

    public static byte[] error(String sqlState, String message) {
        return report('E', "ERROR", sqlState, message);
    }

    public static byte[] notice(String sqlState, String message) {
        return report('N', "NOTICE", sqlState, message);
    }

    private static byte[] report(char type, String severity, String sqlState, String message) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write('S');
        b.writeBytes(cstring(severity));
        b.write('V');
        b.writeBytes(cstring(severity));
        b.write('C');
        b.writeBytes(cstring(sqlState));
        b.write('M');
        b.writeBytes(cstring(message));
        b.write(0);
        return typed(type, b.toByteArray());
    }

    /** A RowDescription of computed text columns (no table of origin), text format. */
    public static byte[] rowDescription(String... columns) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(ByteBuffer.allocate(2).putShort((short) columns.length).array());
        for (String c : columns) {
            b.writeBytes(cstring(c));
            b.writeBytes(ByteBuffer.allocate(18)
                    .putInt(0)
                    .putShort((short) 0)
                    .putInt(25)
                    .putShort((short) -1)
                    .putInt(-1)
                    .putShort((short) 0)
                    .array());
        }
        return typed('T', b.toByteArray());
    }

    public static byte[] dataRow(String... values) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(ByteBuffer.allocate(2).putShort((short) values.length).array());
        for (String v : values) {
            if (v == null) {
                b.writeBytes(ByteBuffer.allocate(4).putInt(-1).array());
            } else {
                byte[] raw = v.getBytes(StandardCharsets.UTF_8);
                b.writeBytes(ByteBuffer.allocate(4).putInt(raw.length).array());
                b.writeBytes(raw);
            }
        }
        return typed('D', b.toByteArray());
    }

    // ---------------------------------------------------------------- framing

    public static byte[] typed(char type, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(5 + body.length);
        b.put((byte) type).putInt(4 + body.length).put(body);
        return b.array();
    }

    public static byte[] cstring(String s) {
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[raw.length + 1];
        System.arraycopy(raw, 0, out, 0, raw.length);
        return out;
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /** Frames as one read of the client's socket delivers them: one batch, its messages views of its bytes. */
    public static PgBatch batch(byte[]... frames) {
        ByteBuf bytes = Unpooled.wrappedBuffer(concat(frames));
        List<PgMessage> messages = new ArrayList<>();
        int offset = 0;
        for (byte[] f : frames) {
            messages.add(new PgMessage(f[0], bytes.slice(offset, f.length)));
            offset += f.length;
        }
        return new PgBatch(messages, bytes);
    }

    /** One whole message as the server relay hands it over. */
    public static PgMessage message(byte[] frame) {
        return new PgMessage(frame[0], Unpooled.wrappedBuffer(frame));
    }

    /** Every whole message in {@code bytes} (which is released). */
    public static List<Msg> decode(ByteBuf bytes) {
        try {
            List<Msg> out = new ArrayList<>();
            ByteBuf b = bytes.duplicate();
            while (b.readableBytes() >= 5) {
                char type = (char) b.readByte();
                int length = b.readInt();
                byte[] body = new byte[length - 4];
                b.readBytes(body);
                out.add(new Msg(type, body));
            }
            if (b.isReadable()) {
                throw new AssertionError("a partial message was written: " + b.readableBytes() + " bytes left");
            }
            return out;
        } finally {
            bytes.release();
        }
    }
}
