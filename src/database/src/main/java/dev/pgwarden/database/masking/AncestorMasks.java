package dev.pgwarden.database.masking;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What the parents of masked relations mask (see {@link #add}). */
final class AncestorMasks {
    private AncestorMasks() {}

    /**
     * The inheritance parents and partitioned ancestors of the masked relations mask what the
     * relations below them mask, on the columns of the same names: a scan of a parent returns its
     * children's rows. They get no view; their masked columns are kept from the agent.
     */
    static void add(CatalogReader reader, Map<Long, Relation> relations, Map<Long, Map<String, MaskStrategy>> masks)
            throws SQLException {
        List<Long> maskedBelow = new ArrayList<>();
        masks.forEach((oid, m) -> {
            if (!m.isEmpty()) {
                maskedBelow.add(oid);
            }
        });
        Map<Long, List<Long>> above = reader.ancestors(maskedBelow);
        List<Long> fresh = new ArrayList<>(above.keySet());
        fresh.removeAll(relations.keySet());
        reader.relations(fresh).forEach(r -> relations.putIfAbsent(r.oid(), r));
        for (Map.Entry<Long, List<Long>> e : above.entrySet()) {
            Relation parent = relations.get(e.getKey());
            if (parent == null) {
                continue;
            }
            Set<String> columns = new HashSet<>();
            parent.columns().forEach(c -> columns.add(c.name()));
            Map<String, MaskStrategy> mine = new LinkedHashMap<>(masks.getOrDefault(parent.oid(), Map.of()));
            for (long below : e.getValue()) {
                masks.getOrDefault(below, Map.of()).forEach((column, strategy) -> {
                    if (columns.contains(column)) {
                        mine.putIfAbsent(column, strategy);
                    }
                });
            }
            masks.put(parent.oid(), mine);
        }
    }
}
