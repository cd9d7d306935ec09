package dev.pgwarden.database.masking;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one apply is to make true, decided from the policy and the catalog before anything is
 * written.
 *
 * @param views the masking views to have
 * @param restricted masked tables and their children in the policy's schemas: by relation, the
 *     names of its masked columns, on which the group must hold no privilege
 * @param withheld views over masked tables in the policy's schemas: the group holds nothing on them
 * @param outside relations outside the policy's schemas on which the group holds privileges that
 *     masking granted (left when a schema left the policy): the group loses them
 * @param kept relations in the policy's schemas restricted by an earlier apply that no rule masks
 *     now and whose view is gone (renamed, or detached from a masked table): kept restricted, and
 *     reported
 * @param obsolete views in the group's masking schemas that no rule asks for any more, each with
 *     the relations to give back their plain privileges once it is dropped (the table it masked,
 *     when a rule was removed, and that table's children)
 * @param viewSchemas by source schema, the masking schema its views go to (sources with views only)
 */
record MaskingPlan(
        List<ViewDefinition> views,
        Map<Relation, Set<String>> restricted,
        List<Relation> withheld,
        List<Relation> outside,
        List<Relation> kept,
        Map<MaskingObjects.View, List<Relation>> obsolete,
        Map<String, String> viewSchemas,
        List<MaskingProblem> problems) {

    /** The relations kept restricted or withheld, as {@link MaskingReport#governed()} lists them. */
    Set<String> governed() {
        Set<String> out = new LinkedHashSet<>();
        for (Collection<Relation> relations : List.of(restricted.keySet(), withheld, kept)) {
            relations.forEach(r -> out.add(r.qualified()));
        }
        return out;
    }
}
