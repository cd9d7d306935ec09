package dev.pgwarden.sidecar.audit;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Seals event lines into per-session chains: numbers them, links each to the one before, and
 * stamps a session's first event with this sidecar instance and the session's ordinal in it, so
 * that a whole missing session shows as a gap in the ordinals.
 *
 * <p>Not thread-safe: the audit writer thread owns it.
 */
public final class SessionChains {
  private final AuditChain chain;
  private final String instance;
  private final Map<String, Link> links = new HashMap<>();
  private long ordinal;

  /** Where a session's chain stands: the next sequence number and the last mac. */
  private record Link(long next, String mac) {
  }

  /** @param instance names this sidecar run (pod and start time); recorded in every session's first event */
  public SessionChains(AuditChain chain, String instance) {
    this.chain = chain;
    this.instance = instance;
  }

  public AuditChain chain() {
    return chain;
  }

  /**
   * The sealed line for an event of the session.
   *
   * @param event the event as one JSON object
   */
  public byte[] seal(String session, byte[] event) {
    Link link = links.get(session);
    StringBuilder head = new StringBuilder(96).append("{\"seq\":");
    if (link == null) {
      link = new Link(0, "");
      head.append("0,\"instance\":");
      quote(head, instance);
      head.append(",\"ordinal\":").append(++ordinal).append(',');
    } else {
      head.append(link.next()).append(',');
    }
    byte[] prefix = head.toString().getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[prefix.length + event.length - 1];
    System.arraycopy(prefix, 0, body, 0, prefix.length);
    System.arraycopy(event, 1, body, prefix.length, event.length - 1);
    String mac = chain.mac(link.mac(), body, body.length);
    links.put(session, new Link(link.next() + 1, mac));
    return AuditChain.seal(body, mac);
  }

  /** Continues a session's chain after its last sealed event (recovering parts a crash left). */
  public void resume(String session, long lastSeq, String lastMac) {
    links.put(session, new Link(lastSeq + 1, lastMac));
  }

  /** The session ended: its chain is complete. */
  public void forget(String session) {
    links.remove(session);
  }

  private static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }
}
