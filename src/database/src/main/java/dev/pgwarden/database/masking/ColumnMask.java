package dev.pgwarden.database.masking;

import dev.pgwarden.api.policy.ColumnName;
import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.api.v1alpha1.MaskingRule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** One masked column as the catalog spells it (no quoting, case as stored), with its strategy. */
public record ColumnMask(String schema, String table, String column, MaskStrategy strategy) {
    public ColumnMask {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(column, "column");
        Objects.requireNonNull(strategy, "strategy");
    }

    /**
     * A policy's masking rules, one entry per column, parsed as the proxy parses them; a column two
     * rules name gets the stricter strategy.
     *
     * @throws IllegalArgumentException for a column that is not {@code schema.table.column} or {@code table.column}
     */
    public static List<ColumnMask> fromRules(List<MaskingRule> rules) {
        Map<ColumnName, MaskStrategy> byName = new LinkedHashMap<>();
        for (MaskingRule rule : rules) {
            for (String spec : rule.columns()) {
                byName.merge(ColumnName.parse(spec), rule.strategy(), MaskStrategy::stricter);
            }
        }
        return byName.entrySet().stream()
                .map(e -> new ColumnMask(
                        e.getKey().schema(), e.getKey().table(), e.getKey().column(), e.getValue()))
                .toList();
    }
}
