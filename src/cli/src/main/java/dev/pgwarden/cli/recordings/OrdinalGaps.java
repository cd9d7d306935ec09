package dev.pgwarden.cli.recordings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Finds whole sessions removed from a source: each sidecar run numbers its sessions 1, 2, 3... in
 * their first event, so a number missing between the lowest and highest seen is a session whose
 * every part was deleted, which no chain inside a session can show.
 */
final class OrdinalGaps {
    private OrdinalGaps() {}

    /** @param live sessions may still be on their way to the store (a missing one may just be late) */
    static List<String> find(List<SessionVerdict> sessions, boolean live) {
        Map<String, TreeMap<Long, String>> byInstance = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (SessionVerdict s : sessions) {
            if (s.instance() == null || s.ordinal() == null) {
                continue;
            }
            String other = byInstance
                    .computeIfAbsent(s.instance(), i -> new TreeMap<>())
                    .putIfAbsent(s.ordinal(), s.session());
            if (other != null) {
                problems.add(
                        "instance " + s.instance() + ": session ordinal " + s.ordinal() + " is claimed by sessions "
                                + other + " and " + s.session() + ": a session was copied or forged");
            }
        }
        String late = live ? " (or, while the sidecar runs, not uploaded yet)" : "";
        byInstance.forEach((instance, ordinals) -> {
            long expected = ordinals.firstKey();
            for (long ordinal : ordinals.keySet()) {
                if (ordinal == expected + 1) {
                    problems.add("instance " + instance + ": session ordinal " + expected
                            + " is missing: a whole session was" + " removed" + late);
                } else if (ordinal > expected + 1) {
                    problems.add("instance " + instance + ": session ordinals " + expected + " to " + (ordinal - 1)
                            + " are missing: whole sessions were removed" + late);
                }
                expected = ordinal + 1;
            }
        });
        return problems;
    }
}
