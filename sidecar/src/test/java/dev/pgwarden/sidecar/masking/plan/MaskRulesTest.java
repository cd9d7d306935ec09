package dev.pgwarden.sidecar.masking.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.api.v1alpha1.MaskingRule;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A policy's masking rules as the planner and the catalog read them (moved from MessageScrubberTest);
 * how a rule names a column is ColumnNameTest's, in src/api.
 */
class MaskRulesTest {
    @Test
    void ruleColumnsAreSchemaTableColumnOrTableColumn() {
        MaskRules rules = MaskRules.of(List.of(
                new MaskingRule(List.of("customers.email", "crm.\"Leads\".\"E.Mail\""), MaskStrategy.PARTIAL, null),
                new MaskingRule(List.of("public.customers.email"), MaskStrategy.NULL, true)));
        assertThat(rules.columns())
                .extracting(MaskedColumn::qualifiedName)
                .containsExactly("public.customers.email", "crm.Leads.E.Mail");
        assertThat(rules.columns().get(0).strategy())
                .as("two rules on one column: the stricter")
                .isEqualTo(MaskStrategy.NULL);
        assertThat(rules.columns().get(0).denyPredicates()).isTrue();
    }
}
