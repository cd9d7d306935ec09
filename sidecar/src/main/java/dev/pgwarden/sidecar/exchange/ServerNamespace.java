package dev.pgwarden.sidecar.exchange;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One of the server's namespaces (prepared statements, or portals with SQL cursors among them)
 * as pgwarden knows it. A name holds a value here exactly when the server acknowledged creating
 * it (ParseComplete, BindComplete, a PREPARE or DECLARE that completed) and has not acknowledged
 * removing it since. Changes the client sent that the server has not answered yet wait in order;
 * the exchange settles each as applied or not when its answer (or error) arrives.
 *
 * <p>A decision for a message sent now cannot wait for those answers, so {@link #possible} says
 * every value the name may have when the server reaches that message, taking each unanswered
 * change as either applied or not: judging by all of them is never milder than the server's
 * truth. Keys are {@link dev.pgwarden.sidecar.protocol.message.ServerNames} keys.
 *
 * @param <V> what a name stands for
 */
final class ServerNamespace<V> {
    /** A change the client asked for, in the order the server will try it. */
    sealed interface Change<V> {}

    /**
     * Creates {@code key}. A named object is created only if the name is free (else the server
     * fails the message); the unnamed one is replaced whatever it was.
     *
     * @param values what the name will stand for (several when the message itself was ambiguous)
     */
    record Define<V>(String key, Set<V> values, boolean replaces) implements Change<V> {}

    record Remove<V>(String key) implements Change<V> {}

    /** Removes every name whose value passes {@code which} (DEALLOCATE ALL, DISCARD ALL, CLOSE ALL). */
    record RemoveAll<V>(Predicate<V> which) implements Change<V> {}

    /** What a name may stand for when the server reaches a message sent now. */
    record Possible<V>(Set<V> values, boolean mayBeAbsent) {
        boolean unknown() {
            return values.isEmpty();
        }
    }

    private final Map<String, Set<V>> confirmed = new HashMap<>();
    /** When each confirmed name was made, counted in changes applied: savepoints roll back to a count. */
    private final Map<String, Long> madeAt = new HashMap<>();

    private long changesApplied;
    private final ArrayDeque<Change<V>> unanswered = new ArrayDeque<>();

    /** A change the client sent; settle it when the server answers. */
    <C extends Change<V>> C expect(C change) {
        unanswered.add(change);
        return change;
    }

    /** The server answered {@code change}: applied, or failed or skipped. */
    void settle(Change<V> change, boolean applied) {
        if (!unanswered.remove(change) || !applied) {
            return;
        }
        changesApplied++;
        if (change instanceof Define<V> d) {
            confirmed.put(d.key(), d.values());
            madeAt.put(d.key(), changesApplied);
        } else if (change instanceof Remove<V> r) {
            confirmed.remove(r.key());
            madeAt.remove(r.key());
        } else if (change instanceof RemoveAll<V> all) {
            // A name is forgotten only when every value it may have is one the change removes.
            confirmed.values().removeIf(vs -> vs.stream().allMatch(all.which()));
            madeAt.keySet().retainAll(confirmed.keySet());
        }
    }

    /** How many changes were applied so far: a mark to roll back to. */
    long mark() {
        return changesApplied;
    }

    /** Names the server dropped on its own (portals at the end of a transaction). */
    void dropConfirmed(Predicate<V> which) {
        dropConfirmedSince(0, which);
    }

    /** Names made after {@code mark} that the server dropped on its own (rolled back to a savepoint). */
    void dropConfirmedSince(long mark, Predicate<V> which) {
        confirmed
                .entrySet()
                .removeIf(e -> madeAt.getOrDefault(e.getKey(), 0L) > mark
                        && e.getValue().stream().allMatch(which));
        madeAt.keySet().retainAll(confirmed.keySet());
    }

    /** The value acknowledged now, when there is exactly one; else null. */
    V current(String key) {
        Set<V> vs = confirmed.get(key);
        return vs != null && vs.size() == 1 ? vs.iterator().next() : null;
    }

    Possible<V> possible(String key) {
        Set<V> now = confirmed.get(key);
        if (!pendingFor(key)) {
            // Asked once or more per Bind and Execute, and most often no change waits that could touch
            // the name: what the server acknowledged is the answer, without a copy. Callers only read it.
            return new Possible<>(now == null ? Set.of() : now, now == null);
        }
        Set<V> values = new LinkedHashSet<>();
        boolean absent;
        if (now == null) {
            absent = true;
        } else {
            values.addAll(now);
            absent = false;
        }
        for (Change<V> c : unanswered) {
            if (c instanceof Define<V> d && d.key().equals(key)) {
                if (d.replaces()) {
                    // The unnamed statement or portal: if the message fails, the server skips to Sync and the
                    // old value never runs again (a failed Parse has dropped it, and a failed Bind either ends
                    // the implicit transaction that holds it or aborts the explicit one). Only the new value
                    // can run after it.
                    values.clear();
                    values.addAll(d.values());
                    absent = true;
                } else if (absent) {
                    // A named object is created only where the name is free.
                    values.addAll(d.values());
                }
            } else if (c instanceof Remove<V> r && r.key().equals(key)) {
                absent = true;
            } else if (c instanceof RemoveAll<V> all && values.stream().anyMatch(all.which())) {
                absent = true;
            }
        }
        return new Possible<>(values, absent);
    }

    /** Whether an unanswered change may touch {@code key}. */
    private boolean pendingFor(String key) {
        for (Change<V> c : unanswered) {
            if (c instanceof RemoveAll<V>
                    || c instanceof Define<V> d && d.key().equals(key)
                    || c instanceof Remove<V> r && r.key().equals(key)) {
                return true;
            }
        }
        return false;
    }

    /** Every value any name may stand for, for checks that concern them all. */
    List<V> everything() {
        List<V> out = new ArrayList<>();
        confirmed.values().forEach(out::addAll);
        for (Change<V> c : unanswered) {
            if (c instanceof Define<V> d) {
                out.addAll(d.values());
            }
        }
        return out;
    }
}
