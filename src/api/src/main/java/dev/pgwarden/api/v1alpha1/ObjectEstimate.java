package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.Locale;

/**
 * What a DROP or TRUNCATE held for approval would remove or empty, as the database's catalog
 * estimated it when the request was made: for a reviewer, the difference between a scratch table
 * and a year of orders.
 *
 * @param target what the statement names, as PostgreSQL resolves it: {@code table app.orders},
 *     {@code schema sales}, {@code objects owned by app_rw}, {@code database shop}
 * @param name the relation as the catalog names it (schema-qualified where needed), or null
 * @param relations relations counted: the table and its partitions or inheritance children, or
 *     the tables of a schema or a role
 * @param rows the planner's estimate of their rows ({@code pg_class.reltuples}), or null when
 *     none of them was ever analyzed
 * @param bytes their size on disk, indexes and TOAST included, or null
 * @param note what the estimate leaves out or why there is none, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ObjectEstimate(
        @Required String target,
        String name,
        Integer relations,

        @JsonPropertyDescription("The planner's estimate (pg_class.reltuples), not a count.")
        Long rows,

        @JsonPropertyDescription("Size on disk, indexes and TOAST included.")
        Long bytes,

        String note) {

    /** One line for a reviewer: {@code table app.orders: about 1,200 rows, 2.1 MiB (3 relations)}. */
    public String summary() {
        StringBuilder s = new StringBuilder(target).append(':');
        if (rows == null && bytes == null) {
            s.append(" no estimate");
        } else {
            s.append(rows == null ? " rows unknown" : " about " + String.format(Locale.ROOT, "%,d", rows) + " rows");
            if (bytes != null) {
                s.append(", ").append(size(bytes));
            }
            if (relations != null && relations != 1) {
                s.append(" in ").append(relations).append(" relations");
            }
        }
        if (note != null) {
            s.append(" (").append(note).append(')');
        }
        return s.toString();
    }

    /** Bytes in the largest binary unit that keeps the figure at or above 1. */
    static String size(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " bytes" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
