package dev.pgwarden.sidecar.audit;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * The bytes of the audit line being written, in one array the writer keeps from line to line:
 * an event costs no buffer of its own. Not thread-safe (the audit writer thread owns it).
 */
final class LineBuffer extends OutputStream {
    private byte[] bytes;
    private int size;

    LineBuffer(int capacity) {
        bytes = new byte[capacity];
    }

    /** The array holding the line, valid up to {@link #size()}; replaced when the line outgrows it. */
    byte[] array() {
        return bytes;
    }

    int size() {
        return size;
    }

    void reset() {
        size = 0;
    }

    /** Drops the last {@code n} bytes. */
    void shrink(int n) {
        size -= n;
    }

    /** Room for {@code n} more bytes. */
    void reserve(int n) {
        if (size + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + n));
        }
    }

    /** Advances over {@code n} bytes written into {@link #array()} directly, after {@link #reserve}. */
    void advance(int n) {
        size += n;
    }

    @Override
    public void write(int b) {
        reserve(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        reserve(len);
        System.arraycopy(b, off, bytes, size, len);
        size += len;
    }
}
