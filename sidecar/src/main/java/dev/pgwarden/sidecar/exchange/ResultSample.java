package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.protocol.message.RowDescription;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The first rows of each result as the agent received them (after masking), for recordings with
 * {@code results: Rows}. Values are kept as text; a value that is not printable UTF-8 text (a
 * binary-format column) is kept as {@code \x} hex. Only the first {@code maxRows} rows of a
 * result are copied, so the cost of a large result is a counter.
 */
public final class ResultSample {
    /** Values longer than this are cut: a recording keeps what the agent saw, not every byte of it. */
    private static final int MAX_VALUE_BYTES = 4096;

    private final int maxRows;
    private List<String> columns = List.of();
    private boolean[] binary = new boolean[0];
    private List<List<String>> rows = new ArrayList<>();
    private boolean truncated;

    /** One result's sample. */
    record Sample(List<String> columns, List<List<String>> rows, boolean truncated) {}

    ResultSample(int maxRows) {
        this.maxRows = maxRows;
    }

    /** A RowDescription: the names and formats of the rows that follow. */
    public void describe(RowDescription d) {
        List<String> names = new ArrayList<>(d.size());
        boolean[] formats = new boolean[d.size()];
        for (int i = 0; i < d.size(); i++) {
            names.add(d.field(i).name());
            formats[i] = d.field(i).binary();
        }
        columns = names;
        binary = formats;
    }

    /** A whole DataRow frame (type byte and length included), as sent to the agent. */
    public void row(ByteBuf frame, int offset) {
        if (rows.size() >= maxRows) {
            truncated = true;
            return;
        }
        int at = offset + 5;
        int n = frame.getUnsignedShort(at);
        at += 2;
        List<String> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int length = frame.getInt(at);
            at += 4;
            if (length < 0) {
                values.add(null);
                continue;
            }
            values.add(value(frame, at, length, i < binary.length && binary[i]));
            at += length;
        }
        rows.add(values);
    }

    /** A row too large to arrive in one read went by unsampled. */
    public void skipped() {
        truncated = true;
    }

    /** What was sampled since the last call, or null when the result had no rows. */
    Sample take() {
        if (rows.isEmpty() && !truncated) {
            return null;
        }
        Sample s = new Sample(columns, rows, truncated);
        rows = new ArrayList<>();
        truncated = false;
        return s;
    }

    private static String value(ByteBuf frame, int at, int length, boolean binary) {
        int kept = Math.min(length, MAX_VALUE_BYTES);
        byte[] bytes = new byte[kept];
        frame.getBytes(at, bytes);
        String text = binary ? null : printable(bytes);
        if (text == null) {
            text = "\\x" + HexFormat.of().formatHex(bytes);
        }
        return kept < length ? text + "...(" + length + " bytes)" : text;
    }

    /** The bytes as text when they are valid UTF-8 without control characters (other than tab and newlines). */
    private static String printable(byte[] bytes) {
        for (byte b : bytes) {
            if (b >= 0 && b < 0x20 && b != '\t' && b != '\n' && b != '\r') {
                return null;
            }
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
