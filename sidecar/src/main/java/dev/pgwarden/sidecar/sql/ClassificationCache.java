package dev.pgwarden.sidecar.sql;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Classifications by fingerprint, bounded. Reads are lock-free from any event loop; when full,
 * an insert evicts a few entries in the map's iteration order, which is effectively random:
 * cheap, and good enough for a working set of query shapes that is far smaller than the bound.
 */
final class ClassificationCache {
    /** Longer shapes are classified every time rather than pinning large keys in memory. */
    static final int MAX_KEY_CHARS = 16 * 1024;

    private static final int EVICT_BATCH = 16;

    private final ConcurrentHashMap<String, Classification> entries = new ConcurrentHashMap<>();
    private final int capacity;

    ClassificationCache(int capacity) {
        this.capacity = capacity;
    }

    Classification get(String fingerprint) {
        return entries.get(fingerprint);
    }

    void put(String fingerprint, Classification c) {
        if (fingerprint.length() > MAX_KEY_CHARS) {
            return;
        }
        if (entries.size() >= capacity) {
            Iterator<String> it = entries.keySet().iterator();
            for (int i = 0; i < EVICT_BATCH && it.hasNext(); i++) {
                it.next();
                it.remove();
            }
        }
        entries.put(fingerprint, c);
    }

    int size() {
        return entries.size();
    }
}
