package dev.pgwarden.database.masking;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import java.util.Objects;

/**
 * One masked column as the catalog spells it (no quoting, case as stored), with its strategy.
 * The policy's {@code schema.table.column} strings are parsed, and a column named by two rules
 * given the stricter strategy, where the rules are read; this takes the outcome.
 */
public record ColumnMask(String schema, String table, String column, MaskStrategy strategy) {
  public ColumnMask {
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(column, "column");
    Objects.requireNonNull(strategy, "strategy");
  }
}
