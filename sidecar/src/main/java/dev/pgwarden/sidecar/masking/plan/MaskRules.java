package dev.pgwarden.sidecar.masking.plan;

import dev.pgwarden.api.policy.ColumnName;
import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.api.v1alpha1.MaskingRule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A policy's masking rules, one entry per column; a column named by two rules gets the stricter. */
public record MaskRules(List<MaskedColumn> columns) {

    public static MaskRules of(List<MaskingRule> rules) {
        Map<String, MaskedColumn> byName = new LinkedHashMap<>();
        for (MaskingRule rule : rules) {
            boolean deny = Boolean.TRUE.equals(rule.denyPredicates());
            for (String spec : rule.columns()) {
                ColumnName name = ColumnName.parse(spec);
                MaskedColumn c = new MaskedColumn(name.schema(), name.table(), name.column(), rule.strategy(), deny);
                byName.merge(
                        c.qualifiedName(),
                        c,
                        (a, b) -> new MaskedColumn(
                                a.schema(),
                                a.table(),
                                a.column(),
                                stricter(a.strategy(), b.strategy()),
                                a.denyPredicates() || b.denyPredicates()));
            }
        }
        return new MaskRules(List.copyOf(byName.values()));
    }

    public boolean isEmpty() {
        return columns.isEmpty();
    }

    /** The strictest strategy of all the rules, in the form it takes for derived values. */
    public MaskStrategy strictestDerived() {
        MaskStrategy s = MaskStrategy.PARTIAL;
        for (MaskedColumn c : columns) {
            s = stricter(s, c.strategy());
        }
        return MaskPlanner.derivedForm(s);
    }

    public boolean usesHash() {
        return columns.stream().anyMatch(c -> c.strategy() == MaskStrategy.HASH);
    }

    /** The stricter strategy, as src/api ranks them for both walls. */
    static MaskStrategy stricter(MaskStrategy a, MaskStrategy b) {
        return MaskStrategy.stricter(a, b);
    }
}
