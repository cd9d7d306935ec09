package dev.pgwarden.sidecar.session;

import io.netty.util.concurrent.Future;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Cancel keys the proxy hands its clients. They are random and unrelated to the upstream's, so a
 * client never learns the database backend's key, and a guessed key cancels nothing.
 */
public final class CancelRegistry {
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<Integer, Entry> sessions = new ConcurrentHashMap<>();

    private record Entry(int secret, ClientSession session) {}

    /** A key the client quotes in CancelRequest: process id and secret. */
    public record CancelKey(int processId, int secret) {}

    public CancelKey register(ClientSession session) {
        while (true) {
            int pid = random.nextInt(Integer.MAX_VALUE - 1) + 1;
            int secret = random.nextInt();
            if (sessions.putIfAbsent(pid, new Entry(secret, session)) == null) {
                return new CancelKey(pid, secret);
            }
        }
    }

    public void unregister(CancelKey key) {
        if (key != null) {
            sessions.remove(key.processId());
        }
    }

    public Optional<ClientSession> lookup(int processId, int secret) {
        Entry e = sessions.get(processId);
        if (e == null || !MessageDigest.isEqual(intBytes(e.secret()), intBytes(secret))) {
            return Optional.empty();
        }
        return Optional.of(e.session());
    }

    /**
     * The proxy is stopping: every open session ends now, telling its client and its recording why.
     * Waits (up to {@code wait}) until the clients' connections are closed: an event loop that shuts
     * down closes its channels first, and a client would then get no error at all.
     */
    public void shutDownAll(Duration wait) {
        List<Future<Void>> closing =
                sessions.values().stream().map(e -> e.session().shutDown()).toList();
        long deadline = System.nanoTime() + wait.toNanos();
        for (Future<Void> f : closing) {
            f.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private static byte[] intBytes(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }
}
