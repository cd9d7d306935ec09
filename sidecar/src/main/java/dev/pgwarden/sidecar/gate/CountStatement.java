package dev.pgwarden.sidecar.gate;

import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.Target;
import java.security.SecureRandom;

/**
 * pgwarden's own count ({@link TableCounts#SQL}) as a prepared statement of the session, parsed
 * and planned once and then only bound and run by each trial: planned afresh, the count cost the
 * server more than the write it counted.
 *
 * <p>The statement lives as long as the server keeps it. Its name is reserved ({@link
 * ReservedNames}), so the agent cannot prepare, run or free it in SQL, nor Parse it over the
 * protocol; what the agent can still do is drop every prepared statement at once ({@code
 * DEALLOCATE ALL}, {@code DISCARD ALL}), which {@link #judged} sees. A count that fails for any
 * reason (the statement gone after all, a batch that was failing already) makes the next trial
 * prepare a statement of a new name, so no stale or half-made statement is ever trusted; the
 * failed trial itself counts as over every limit.
 */
final class CountStatement {
    /** With a random part, so that no statement of the agent's holds the name. */
    private final String prefix =
            ReservedNames.PREFIX + "count_" + Long.toHexString(new SecureRandom().nextLong()) + "_";

    private long generation;
    private boolean prepared;

    /** The statement's name now (also the name of the portal each count binds and closes). */
    String name() {
        return prefix + generation;
    }

    /**
     * Whether the statement must be prepared before this count runs; the caller sends the
     * preparation in the same round trip, so from now on it counts as prepared.
     */
    boolean prepareFirst() {
        boolean first = !prepared;
        prepared = true;
        return first;
    }

    /** A count failed or could not be read: the next one prepares a statement of a new name. */
    void lost() {
        prepared = false;
        generation++;
    }

    /** Every statement the agent sends is judged: one that frees every prepared statement frees this one. */
    void judged(Classification c) {
        Target t = c.target();
        if (t instanceof Target.Deallocate free && free.all() || t instanceof Target.Discard discard && discard.all()) {
            lost();
        }
    }
}
