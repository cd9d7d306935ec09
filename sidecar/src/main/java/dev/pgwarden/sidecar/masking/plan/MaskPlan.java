package dev.pgwarden.sidecar.masking.plan;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import java.util.List;

/**
 * How masking treats one statement's results, decided before it runs.
 *
 * @param refusal why the statement may not run under masking, or null
 * @param derived per result column, the strategy for a computed column (no table origin) that
 *     derives from masked values, null where it does not; null as a whole when the mapping is
 *     unknown and {@link #allDerived} applies
 * @param allDerived the strategy for every computed result column, when derivation could not be
 *     traced column by column; null when {@link #derived} decides
 * @param mismatch the strategy for every computed column when the result has another number of
 *     columns than {@link #derived} (a function expanding to several): the strictest derived one
 * @param touched masked columns the statement names or expands, for the audit
 * @param sensitive the statement's text or parameters may hold masked values (it names masked
 *     columns, or its lineage is unknown): audit and approvals show its fingerprint instead
 * @param opaqueCode it runs code pgwarden cannot see into (a user function, or a statement it
 *     could not read): that code's notices and errors may say anything, so their text is withheld
 */
public record MaskPlan(
        String refusal,
        List<MaskStrategy> derived,
        MaskStrategy allDerived,
        MaskStrategy mismatch,
        List<String> touched,
        boolean sensitive,
        boolean opaqueCode) {

    /** Results pass untouched but for columns that come straight from a masked table column. */
    public static final MaskPlan NONE = new MaskPlan(null, List.of(), null, null, List.of(), false, false);

    public static MaskPlan refuse(String why, List<String> touched) {
        return new MaskPlan(why, List.of(), null, null, touched, true, false);
    }

    /** The strategy for computed result column {@code i} of {@code columns}, or null to pass it. */
    public MaskStrategy derivedStrategy(int i, int columns) {
        if (allDerived != null) {
            return allDerived;
        }
        if (derived == null || derived.size() != columns) {
            return mismatch;
        }
        return derived.get(i);
    }
}
