package dev.pgwarden.sidecar.pgpass;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A libpq password file ({@code PGPASSFILE}) that gives the current token as the password for the
 * proxy's address, so clients connect with no credential of their own. libpq, psycopg, pgjdbc and
 * node-postgres read it again for every new connection, which is what lets them follow a token
 * that is replaced while they run.
 *
 * <p>Only the proxy's host and port are named: a client pointed at another server must not send it
 * the token. Database and user are {@code *}, since the token alone says who the agent is.
 */
public final class PgpassFile {
    private PgpassFile() {}

    /**
     * The file's text: one line per name the proxy's address goes by ({@code localhost} too for a
     * loopback address, the name libpq clients use by default). A wildcard listen address is
     * reached through loopback.
     */
    public static String content(InetSocketAddress proxy, String token) {
        if (token.indexOf('\n') >= 0 || token.indexOf('\r') >= 0) {
            // A line break would start a second entry of the token's choosing.
            throw new IllegalArgumentException("a token cannot contain a line break");
        }
        StringBuilder text = new StringBuilder();
        for (String host : hosts(proxy.getAddress())) {
            text.append(line(host, proxy.getPort(), "*", "*", token)).append('\n');
        }
        return text.toString();
    }

    /** {@code hostname:port:database:username:password}, with {@code :} and {@code \} escaped in each field. */
    static String line(String host, int port, String database, String user, String password) {
        return escape(host) + ":" + port + ":" + database + ":" + user + ":" + escape(password);
    }

    static String escape(String field) {
        return field.replace("\\", "\\\\").replace(":", "\\:");
    }

    /** Names as clients write them; no name is looked up, so nothing leaves the machine. */
    static List<String> hosts(InetAddress address) {
        if (address.isAnyLocalAddress()) {
            return List.of("127.0.0.1", "localhost");
        }
        if (address.isLoopbackAddress()) {
            return List.of(address instanceof Inet6Address ? "::1" : address.getHostAddress(), "localhost");
        }
        return List.of(address.getHostAddress());
    }

    /**
     * Replaces the file atomically: a reader sees the old content or the new, never a part. The new
     * content goes to a file in the same directory, created readable by this user only (libpq
     * ignores a password file that the group or others can read), flushed to disk, then renamed over
     * the old one.
     */
    public static void write(Path file, String content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(
                dir,
                "." + file.getFileName() + "-",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel channel =
                    FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + file + " atomically: " + e.getMessage(), e);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        syncDirectory(dir);
    }

    /** The rename itself survives a crash only once the directory is flushed. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems cannot open a directory for syncing; the rename is still atomic there.
        }
    }
}
