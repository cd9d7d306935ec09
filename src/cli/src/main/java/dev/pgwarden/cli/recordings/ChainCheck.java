package dev.pgwarden.cli.recordings;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.sidecar.audit.AuditChain;
import dev.pgwarden.sidecar.audit.AuthenticationFailed;
import dev.pgwarden.sidecar.audit.SessionEnded;
import dev.pgwarden.sidecar.audit.SessionStarted;

/**
 * Checks one session's chain as its lines arrive, in recorded order, and keeps the first break
 * in words a DBA can act on: where it is (part, line, seq) and what it means (an event altered,
 * removed, reordered; a part removed or damaged; the end removed).
 *
 * <p>After a break the check goes on from the line as it stands, so one removed event does not
 * make every later event look altered, and a later line can still explain the first break: a
 * "missing" seq that turns up further on was reordered, and a first event that does not verify
 * while later ones do means that event was altered, not that the key is wrong.
 */
public final class ChainCheck {
    private static final String ALTERED = "mac does not match: the event was altered";

    private enum Kind {
        MAC_OR_KEY,
        GAP,
        OTHER
    }

    private final AuditChain chain;
    private final String session;
    private long events;
    private boolean started;
    private boolean ended;
    private long next;
    private String previousMac = "";
    /** Whether previousMac is the mac of seq next-1 as recorded, so the next line's mac can be checked. */
    private boolean macKnown = true;

    private boolean verifiedAny;
    private JsonNode last;
    private String instance;
    private Long ordinal;
    private String breakWhere;
    private String breakWhat;
    private Kind breakKind;
    private long gapFrom;
    private long gapTo;
    private String gapWhere;

    public ChainCheck(AuditChain chain, String session) {
        this.chain = chain;
        this.session = session;
    }

    public void line(RecordedLine line) {
        events++;
        JsonNode e = line.event();
        AuditChain.Unsealed sealed = AuditChain.unseal(line.text());
        if (e == null || sealed == null || !e.path("seq").isIntegralNumber()) {
            fail(
                    line.where(),
                    "not a sealed audit event (not JSON, or without seq and mac): the line was damaged",
                    Kind.OTHER);
            macKnown = false;
            return;
        }
        long seq = e.get("seq").asLong();
        String where = line.where() + " (seq " + seq + ")";
        String kind = e.path("event").asText("");
        if (!session.equals(e.path("session").asText(null))) {
            fail(
                    where,
                    "belongs to session " + e.path("session").asText("(none)")
                            + ": it was moved here from another recording",
                    Kind.OTHER);
        }
        if (ended) {
            fail(where, "comes after the session's last event: events were added after its end", Kind.OTHER);
        }
        boolean first = !started;
        started = true;
        if (first) {
            if (seq != 0) {
                fail(
                        where,
                        "the recording starts at seq " + seq + ", not 0: its first events were removed",
                        Kind.OTHER);
                macKnown = false;
            } else {
                if (!kind.equals(SessionStarted.EVENT) && !kind.equals(AuthenticationFailed.EVENT)) {
                    fail(where, "the first event is " + kind + ", not session_start", Kind.OTHER);
                }
                instance = e.path("instance").asText(null);
                ordinal =
                        e.path("ordinal").isIntegralNumber() ? e.get("ordinal").asLong() : null;
            }
        } else if (seq < next) {
            outOfOrder(seq, where);
            return; // the chain goes on from where it stood
        } else if (seq > next) {
            gap(seq, line.where(), where);
        }
        if (macKnown) {
            checkMac(sealed, where);
        }
        previousMac = sealed.mac();
        macKnown = true;
        next = seq + 1;
        last = e;
        ended = kind.equals(SessionEnded.EVENT) || kind.equals(AuthenticationFailed.EVENT);
    }

    private void checkMac(AuditChain.Unsealed sealed, String where) {
        if (chain.mac(previousMac, sealed.body(), sealed.body().length).equals(sealed.mac())) {
            verifiedAny = true;
            if (breakKind == Kind.MAC_OR_KEY) {
                breakWhat = ALTERED; // a later event verifies with this key: the key is right
                breakKind = Kind.OTHER;
            }
        } else if (verifiedAny) {
            fail(where, ALTERED, Kind.OTHER);
        } else {
            fail(where, ALTERED + ", or the key is not the one the sidecar used", Kind.MAC_OR_KEY);
        }
    }

    private void gap(long seq, String at, String where) {
        String what = seq - next == 1
                ? "seq " + next + " is missing (" + at + " has seq " + seq + "): an event was removed"
                : "seqs " + next + " to " + (seq - 1) + " are missing (" + at + " has seq " + seq
                        + "): events were removed";
        if (breakKind == null) {
            gapFrom = next;
            gapTo = seq - 1;
            gapWhere = where;
        }
        fail(null, what, Kind.GAP);
        macKnown = false; // the mac covers the removed event's mac, which is gone
    }

    private void outOfOrder(long seq, String where) {
        if (breakKind == Kind.GAP && seq >= gapFrom && seq <= gapTo) {
            breakWhat = "out of order: " + where + " comes after " + gapWhere + ": events or parts were reordered";
            breakKind = Kind.OTHER;
        } else {
            fail(
                    where,
                    "seq " + seq + " comes again after seq " + (next - 1) + ": events were duplicated or reordered",
                    Kind.OTHER);
        }
    }

    /** A part of the session is missing or damaged; the next line cannot be chained to what came before. */
    public void problem(String problem) {
        fail(null, problem, Kind.OTHER);
        macKnown = false;
    }

    private void fail(String where, String what, Kind kind) {
        if (breakKind == null) {
            breakWhere = where;
            breakWhat = what;
            breakKind = kind;
        }
    }

    /** The first break found so far, or null. */
    public String firstBreak() {
        if (breakKind == null) {
            return null;
        }
        if (breakKind == Kind.MAC_OR_KEY && !verifiedAny && events > 1) {
            return "no event of this session verifies: the key is not the one the sidecar used, or every event was rewritten";
        }
        return breakWhere == null ? breakWhat : breakWhere + ": " + breakWhat;
    }

    public long events() {
        return events;
    }

    /** What the checked lines add up to. */
    public SessionVerdict verdict(boolean allowOpen) {
        String problem = firstBreak();
        if (problem == null && !started) {
            problem = "no events: the session's recording is empty";
        }
        if (problem == null && !ended && !allowOpen) {
            problem = "ends at seq " + (next - 1)
                    + " without session_end: events after it were removed, or the session is"
                    + " still running (give --allow-open to accept live sessions)";
        }
        return new SessionVerdict(session, events, ended ? ending(last) : null, problem, instance, ordinal);
    }

    private static String ending(JsonNode event) {
        String reason = event.path("reason").asText(null);
        return event.path("event").asText() + (reason == null ? "" : ": " + reason);
    }
}
