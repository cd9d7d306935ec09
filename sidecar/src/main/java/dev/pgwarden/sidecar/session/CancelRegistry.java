package dev.pgwarden.sidecar.session;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cancel keys the proxy hands its clients. They are random and unrelated to the upstream's, so a
 * client never learns the database backend's key, and a guessed key cancels nothing.
 */
public final class CancelRegistry {
  private final SecureRandom random = new SecureRandom();
  private final ConcurrentHashMap<Integer, Entry> sessions = new ConcurrentHashMap<>();

  private record Entry(int secret, ClientSession session) {
  }

  /** A key the client quotes in CancelRequest: process id and secret. */
  public record CancelKey(int processId, int secret) {
  }

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

  /** The proxy is stopping: every open session ends now, telling its client and its recording why. */
  public void shutDownAll() {
    sessions.values().forEach(e -> e.session().shutDown());
  }

  private static byte[] intBytes(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }
}
