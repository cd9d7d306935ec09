package dev.pgwarden.sidecar.masking.plan;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import java.util.Map;
import java.util.Set;

/**
 * What masking knows of the database at one moment: which result columns carry masked values.
 *
 * @param attributes masked attributes by {@link #key(int, int)} of table OID and attribute number:
 *     the policy's columns, the same columns of inheritance children and partitions, and the
 *     columns of views that derive from them
 * @param relationOids every table, view, materialized view and foreign table: a result column from
 *     a relation not in here was created after this snapshot and is masked whole
 * @param tainted masked column names by relation name, for relations holding masked columns and
 *     views over them; keyed both by bare name and by schema.name
 * @param columns every column name of the relations in {@code tainted}, keyed alike
 * @param maskedSchemas schemas holding the policy's masked tables
 * @param relationNames every relation's bare and schema-qualified name
 * @param userFunctions names of functions outside pg_catalog and information_schema that no
 *     extension owns
 * @param returnsMasked of those, by name, the ones that may return masked values, with why (they
 *     read a masked relation, run SQL built at run time, are written in a language pgwarden does
 *     not read, or call such a function): a statement calling one is refused by that name
 */
public record CatalogSnapshot(
        long generation,
        Map<Long, Attribute> attributes,
        Set<Integer> relationOids,
        Map<String, Map<String, MaskedColumn>> tainted,
        Map<String, Set<String>> columns,
        Set<String> maskedSchemas,
        Set<String> relationNames,
        Set<String> userFunctions,
        Map<String, String> returnsMasked) {

    /** A masked attribute: the column it masks (or derives from) and the strategy that applies. */
    public record Attribute(String name, MaskStrategy strategy) {}

    public static long key(int tableOid, int attnum) {
        return ((long) tableOid << 16) | (attnum & 0xffff);
    }

    public Attribute attribute(int tableOid, int attnum) {
        return attributes.get(key(tableOid, attnum));
    }

    public boolean knowsRelation(int tableOid) {
        return relationOids.contains(tableOid);
    }
}
