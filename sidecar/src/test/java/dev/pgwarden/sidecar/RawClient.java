package dev.pgwarden.sidecar;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A socket speaking raw protocol bytes, for the inputs a real driver would never send: garbage,
 * truncated and oversized messages, unknown versions. Well-formed traffic is tested with pgjdbc.
 */
final class RawClient implements AutoCloseable {
    record Message(char type, byte[] body) {
        int intAt(int offset) {
            return ByteBuffer.wrap(body).getInt(offset);
        }

        /** The fields of an ErrorResponse/NoticeResponse by their one-letter codes. */
        Map<Character, String> fields() {
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
    }

    private final Socket socket;
    /** The BackendKeyData this client was given (null before authentication): the key it cancels with. */
    private Message backendKey;

    private final DataInputStream in;
    private final OutputStream out;

    RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Waits up to {@code millis} for each read: for answers that take the server long to make. */
    RawClient patient(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    static byte[] startupPacket(int version, String... keyValues) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String s : keyValues) {
            body.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            body.write(0);
        }
        body.write(0);
        ByteBuffer b = ByteBuffer.allocate(8 + body.size());
        b.putInt(8 + body.size()).putInt(version).put(body.toByteArray());
        return b.array();
    }

    static byte[] typed(char type, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(5 + body.length);
        b.put((byte) type).putInt(4 + body.length).put(body);
        return b.array();
    }

    static byte[] cstring(String s) {
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[raw.length + 1];
        System.arraycopy(raw, 0, out, 0, raw.length);
        return out;
    }

    RawClient startup(String... extra) throws IOException {
        String[] kv = new String[4 + extra.length];
        kv[0] = "user";
        kv[1] = "agent";
        kv[2] = "database";
        kv[3] = "app";
        System.arraycopy(extra, 0, kv, 4, extra.length);
        return send(startupPacket(3 << 16, kv));
    }

    RawClient password(String token) throws IOException {
        return send(typed('p', cstring(token)));
    }

    RawClient query(String sql) throws IOException {
        return send(typed('Q', cstring(sql)));
    }

    int readByte() throws IOException {
        return in.read();
    }

    Message read() throws IOException {
        char type = (char) in.readUnsignedByte();
        int len = in.readInt();
        byte[] body = new byte[len - 4];
        in.readFully(body);
        Message m = new Message(type, body);
        if (type == 'K') {
            backendKey = m;
        }
        return m;
    }

    /** Reads until a message of the given type arrives, failing on an ErrorResponse first. */
    Message readUntil(char type) throws IOException {
        while (true) {
            Message m = read();
            if (m.type() == type) {
                return m;
            }
            if (m.type() == 'E') {
                throw new AssertionError("unexpected error: " + m.fields());
            }
        }
    }

    /** Reads until an ErrorResponse arrives, failing on a ReadyForQuery first. */
    Message readUntilError() throws IOException {
        while (true) {
            Message m = read();
            if (m.type() == 'E') {
                return m;
            }
            if (m.type() == 'Z') {
                throw new AssertionError("the statement ended without an error");
            }
        }
    }

    /** Completes startup with a valid token, up to the first ReadyForQuery. */
    RawClient authenticate(String token) throws IOException {
        startup();
        Message auth = read();
        if (auth.type() != 'R' || auth.intAt(0) != 3) {
            throw new AssertionError("expected a password request, got " + auth.type());
        }
        password(token);
        readUntil('Z');
        return this;
    }

    /** The process id of the BackendKeyData this client was given. */
    int keyProcessId() {
        return backendKey.intAt(0);
    }

    /** The secret of the BackendKeyData this client was given. */
    int keySecret() {
        return backendKey.intAt(4);
    }

    /** A CancelRequest packet quoting {@code processId} and {@code secret}. */
    static byte[] cancelRequest(int processId, int secret) {
        return ByteBuffer.allocate(16)
                .putInt(16)
                .putInt(80877102)
                .putInt(processId)
                .putInt(secret)
                .array();
    }

    /** The first column of the first row a simple Query answers, as text (the rest is read up to ReadyForQuery). */
    String queryValue(String sql) throws IOException {
        query(sql);
        Message row = readUntil('D');
        int length = row.intAt(2);
        String value = length < 0 ? null : new String(row.body(), 6, length, StandardCharsets.UTF_8);
        readUntil('Z');
        return value;
    }

    /** True when the server closed the connection (EOF or reset) within the read timeout. */
    boolean closedByServer() throws IOException {
        try {
            while (in.read() >= 0) {
                // drain anything in flight
            }
            return true;
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().contains("reset");
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
