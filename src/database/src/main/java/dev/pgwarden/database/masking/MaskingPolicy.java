package dev.pgwarden.database.masking;

import dev.pgwarden.api.v1alpha1.AccessMode;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What {@link MaskingViews#apply} makes true in one database for one policy.
 *
 * @param group the policy's NOLOGIN group role, which must exist; its members are the agent's logins
 * @param mode the group's table privileges besides reading: ReadWrite keeps INSERT, UPDATE and
 *     DELETE on masked tables (at table level)
 * @param schemas the policy's schemas, in search_path order; rules on tables elsewhere are ignored
 * @param columns the masked columns, each named once
 * @param key the policy's {@code hash} key; without one, {@code hash} masks to NULL
 */
public record MaskingPolicy(
        String group, AccessMode mode, List<String> schemas, List<ColumnMask> columns, Optional<MaskKey> key) {
    public MaskingPolicy {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(mode, "mode");
        schemas = List.copyOf(schemas);
        columns = List.copyOf(columns);
        Objects.requireNonNull(key, "key");
        Set<List<String>> seen = new HashSet<>();
        for (ColumnMask c : columns) {
            if (!seen.add(List.of(c.schema(), c.table(), c.column()))) {
                throw new IllegalArgumentException("column " + c.schema() + "." + c.table() + "." + c.column()
                        + " is named twice; give it the stricter strategy once");
            }
        }
    }
}
