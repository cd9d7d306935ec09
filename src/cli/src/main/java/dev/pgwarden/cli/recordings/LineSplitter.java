package dev.pgwarden.cli.recordings;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Splits a stream into lines at '\n' bytes. The bytes are decoded as UTF-8 only once a line is
 * whole, so a line is handed over exactly as written (the mac covers its bytes); a line is handed
 * over before the stream is read further, so what precedes a damaged stretch is not lost.
 */
final class LineSplitter {
    /** Receives the lines; {@code terminated} is false for text after the last '\n'. */
    interface Receiver {
        void line(int number, String text, boolean terminated);
    }

    private LineSplitter() {}

    /** @throws IOException when the stream fails: the lines before the failure have been handed over */
    static void split(InputStream in, Receiver receiver) throws IOException {
        byte[] buffer = new byte[1 << 16];
        ByteArrayOutputStream pending = new ByteArrayOutputStream(1024);
        int number = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buffer[i] == '\n') {
                    pending.write(buffer, start, i - start);
                    receiver.line(++number, pending.toString(StandardCharsets.UTF_8), true);
                    pending.reset();
                    start = i + 1;
                }
            }
            pending.write(buffer, start, n - start);
        }
        if (pending.size() > 0) {
            receiver.line(++number, pending.toString(StandardCharsets.UTF_8), false);
        }
    }
}
