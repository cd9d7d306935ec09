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
    private static final byte[] NO_MAC = new byte[0];

    private final AuditChain chain;
    private final String instance;
    /** The instance as a JSON string, quoted once. */
    private final String quotedInstance;

    private final Map<String, Link> links = new HashMap<>();
    private long ordinal;

    /** Where a session's chain stands: the next sequence number and the last mac (ASCII hex; empty before the first). */
    private static final class Link {
        long next;
        byte[] mac = NO_MAC;
    }

    /** @param instance names this sidecar run (pod and start time); recorded in every session's first event */
    public SessionChains(AuditChain chain, String instance) {
        this.chain = chain;
        this.instance = instance;
        StringBuilder q = new StringBuilder(instance.length() + 2);
        quote(q, instance);
        this.quotedInstance = q.toString();
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
            head.append("0,\"instance\":")
                    .append(quotedInstance)
                    .append(",\"ordinal\":")
                    .append(ordinal + 1)
                    .append(',');
        } else {
            head.append(link.next).append(',');
        }
        byte[] prefix = head.toString().getBytes(StandardCharsets.UTF_8);
        LineBuffer line = new LineBuffer(prefix.length + event.length - 1 + AuditChain.SUFFIX);
        line.write(prefix, 0, prefix.length);
        line.write(event, 1, event.length - 1);
        sealInPlace(session, line);
        return java.util.Arrays.copyOf(line.array(), line.size());
    }

    /**
     * Opens the session's next line: {@code {"seq":N}, and on its first line this instance and the
     * session's ordinal. The event's members follow; {@link #sealInPlace} ends the line.
     */
    void head(String session, com.fasterxml.jackson.core.JsonGenerator g) throws java.io.IOException {
        Link link = links.get(session);
        g.writeStartObject();
        g.writeNumberField("seq", link == null ? 0 : link.next);
        if (link == null) {
            g.writeFieldName("instance");
            g.writeRawValue(quotedInstance);
            g.writeNumberField("ordinal", ordinal + 1);
        }
    }

    /**
     * Seals the session's line in {@code line} (a JSON object, ending in '}'): its mac, over the
     * line and chained to the session's previous one, becomes its last member; the chain moves on.
     */
    void sealInPlace(String session, LineBuffer line) {
        Link link = links.get(session);
        if (link == null) {
            link = new Link();
            ordinal++;
            links.put(session, link);
        }
        line.reserve(AuditChain.SUFFIX - 1);
        byte[] mac = link.mac.length == AuditChain.MAC_HEX ? link.mac : new byte[AuditChain.MAC_HEX];
        int at = line.size() - 1 + AuditChain.MAC_MEMBER.length;
        chain.mac(link.mac, line.array(), line.size(), line.array(), at);
        System.arraycopy(line.array(), at, mac, 0, AuditChain.MAC_HEX);
        System.arraycopy(AuditChain.MAC_MEMBER, 0, line.array(), line.size() - 1, AuditChain.MAC_MEMBER.length);
        line.array()[at + AuditChain.MAC_HEX] = '"';
        line.array()[at + AuditChain.MAC_HEX + 1] = '}';
        line.advance(AuditChain.SUFFIX - 1);
        link.mac = mac;
        link.next++;
    }

    /** Continues a session's chain after its last sealed event (recovering parts a crash left). */
    public void resume(String session, long lastSeq, String lastMac) {
        Link link = new Link();
        link.next = lastSeq + 1;
        link.mac = lastMac.getBytes(StandardCharsets.US_ASCII);
        links.put(session, link);
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
