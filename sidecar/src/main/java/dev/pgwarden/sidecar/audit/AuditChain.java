package dev.pgwarden.sidecar.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HMAC that makes a session's audit events tamper-evident.
 *
 * <p>Each event line is a JSON object whose first member is {@code seq} (0, 1, 2... within the
 * session) and whose last member is {@code mac}: HMAC-SHA256 over the previous event's mac and
 * the line as it reads without its own mac. Editing an event breaks its mac; removing one breaks
 * the sequence and the next mac; removing the tail is seen because a complete session ends with a
 * {@code session_end} event. Only holders of the key can write a chain that verifies, so the key
 * lives in a mounted secret, not beside the recordings.
 */
public final class AuditChain {
    /** Length of the hex mac every line ends with. */
    public static final int MAC_HEX = 64;
    /** {@code ,"mac":"}: what ends a sealed line, before the mac and its closing {@code "}}. */
    static final byte[] MAC_MEMBER = ",\"mac\":\"".getBytes(StandardCharsets.US_ASCII);
    /** {@code ,"mac":"} + 64 hex + {@code "}}. */
    public static final int SUFFIX = MAC_MEMBER.length + MAC_HEX + 2;

    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final int MIN_SECRET = 32;

    private final SecretKeySpec key;
    /** One initialised Mac per thread: looking up and keying one per line would cost more than the HMAC. */
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

    private AuditChain(byte[] secret) {
        if (secret.length < MIN_SECRET) {
            throw new IllegalArgumentException("the audit key must hold at least " + MIN_SECRET + " bytes, not "
                    + secret.length + "; create one with: head -c 32 /dev/urandom > audit.key");
        }
        // The audit key is derived, so one secret may also serve other purposes without mixing them.
        this.key = new SecretKeySpec(
                hmac(
                        new SecretKeySpec(secret, "HmacSHA256"),
                        "pgwarden-audit-chain/v1".getBytes(StandardCharsets.US_ASCII)),
                "HmacSHA256");
    }

    public static AuditChain of(byte[] secret) {
        return new AuditChain(secret.clone());
    }

    /** Reads the key file (raw bytes, at least 32). */
    public static AuditChain fromFile(Path file) throws IOException {
        byte[] secret = Files.readAllBytes(file);
        try {
            return new AuditChain(secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** A key nobody can verify with later: for tests and throwaway runs only. */
    public static AuditChain ephemeral() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return new AuditChain(secret);
    }

    /**
     * The mac of one line.
     *
     * @param previous the previous event's mac, or "" for the first event of a session
     * @param body the line without its mac member: a JSON object ending in '}'
     */
    public String mac(String previous, byte[] body, int length) {
        Mac mac = macs.get();
        mac.update(previous.getBytes(StandardCharsets.US_ASCII));
        mac.update((byte) '\n');
        mac.update(body, 0, length);
        return HEX.formatHex(mac.doFinal()); // doFinal also resets the Mac for the next line
    }

    /**
     * The mac of one line, written as {@link #MAC_HEX} lowercase hex digits into {@code out} at
     * {@code at}: {@link #mac(String, byte[], int)} without making strings.
     *
     * @param previous the previous event's mac as ASCII hex, or empty for the first event of a session
     */
    void mac(byte[] previous, byte[] body, int length, byte[] out, int at) {
        Mac mac = macs.get();
        mac.update(previous);
        mac.update((byte) '\n');
        mac.update(body, 0, length);
        byte[] raw = mac.doFinal(); // doFinal also resets the Mac for the next line
        for (int i = 0; i < raw.length; i++) {
            out[at + 2 * i] = HEX_DIGITS[(raw[i] >> 4) & 0xf];
            out[at + 2 * i + 1] = HEX_DIGITS[raw[i] & 0xf];
        }
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    /** The line for {@code body} (a JSON object): the body with a last member {@code "mac"}. */
    public static byte[] seal(byte[] body, String mac) {
        byte[] line = Arrays.copyOf(body, body.length - 1 + SUFFIX);
        int at = body.length - 1;
        System.arraycopy(MAC_MEMBER, 0, line, at, MAC_MEMBER.length);
        at += MAC_MEMBER.length;
        byte[] hex = mac.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(hex, 0, line, at, hex.length);
        line[line.length - 2] = '"';
        line[line.length - 1] = '}';
        return line;
    }

    /**
     * Splits a sealed line into the body its mac covers and the mac, or null when the line does not
     * end with a mac member.
     */
    public static Unsealed unseal(String line) {
        if (line.length() < SUFFIX + 2 || !line.endsWith("\"}")) {
            return null;
        }
        int at = line.length() - SUFFIX;
        String member = line.substring(at, at + MAC_MEMBER.length);
        if (!member.equals(",\"mac\":\"")) {
            return null;
        }
        String mac = line.substring(at + MAC_MEMBER.length, line.length() - 2);
        return new Unsealed((line.substring(0, at) + "}").getBytes(StandardCharsets.UTF_8), mac);
    }

    /** A line taken apart: the bytes the mac covers and the mac it carries. */
    public record Unsealed(byte[] body, String mac) {}

    private static byte[] hmac(SecretKeySpec key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
