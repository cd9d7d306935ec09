package dev.pgwarden.operator.webhook.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * tls.crt and tls.key (and ca.crt if present) in a mounted cert-manager Secret. The kubelet swaps
 * the files when cert-manager renews. {@link #changed()} compares contents rather than times: the
 * files are a few kilobytes, handshakes from the API server are rare (it keeps connections), and
 * contents cannot be fooled by coarse or copied timestamps.
 */
final class TlsDirectory {
    private final Path dir;
    private byte[] lastRead = new byte[0];

    TlsDirectory(Path dir) {
        this.dir = dir;
    }

    Path path() {
        return dir;
    }

    /** Reads the files; throws when they are missing or do not belong together. */
    TlsMaterial read() throws IOException {
        byte[] certificate = Files.readAllBytes(dir.resolve("tls.crt"));
        byte[] key = Files.readAllBytes(dir.resolve("tls.key"));
        Path caFile = dir.resolve("ca.crt");
        String ca = Files.exists(caFile) ? Files.readString(caFile, StandardCharsets.US_ASCII) : null;
        TlsMaterial material = TlsMaterial.fromPem(
                new String(certificate, StandardCharsets.US_ASCII), new String(key, StandardCharsets.US_ASCII), ca);
        lastRead = concat(certificate, key);
        return material;
    }

    boolean changed() {
        try {
            return !Arrays.equals(
                    lastRead,
                    concat(Files.readAllBytes(dir.resolve("tls.crt")), Files.readAllBytes(dir.resolve("tls.key"))));
        } catch (IOException e) {
            return false; // mid-swap; look again on the next handshake
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length + 1);
        System.arraycopy(b, 0, both, a.length + 1, b.length);
        return both;
    }
}
