package dev.pgwarden.sidecar.masking.plan;

import dev.pgwarden.api.v1alpha1.MaskStrategy;

/**
 * One column a policy masks, named as the catalog names it.
 *
 * @param denyPredicates statements that filter, join, group or order on it, or compute with it,
 *     are refused (the rule's {@code denyPredicates})
 */
public record MaskedColumn(String schema, String table, String column, MaskStrategy strategy, boolean denyPredicates) {

    public String qualifiedName() {
        return schema + "." + table + "." + column;
    }
}
