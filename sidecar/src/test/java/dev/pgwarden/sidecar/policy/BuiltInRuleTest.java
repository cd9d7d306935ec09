package dev.pgwarden.sidecar.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.Action;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The built-in rules by the names users see: in errors, audit events and `pgwarden check`, and in scripts reading them. */
class BuiltInRuleTest {
    @Test
    void theNamesUsersSeeStayAsTheyAre() {
        assertThat(Arrays.stream(BuiltInRule.values()).map(BuiltInRule::ruleName))
                .containsExactlyInAnyOrder(
                        "pgwarden:server-programs",
                        "pgwarden:server-files",
                        "pgwarden:server-libraries",
                        "pgwarden:identity",
                        "pgwarden:protected-settings",
                        "access.mode=ReadOnly",
                        "pgwarden:server-control",
                        "pgwarden:settings",
                        "pgwarden:other-databases",
                        "pgwarden:dynamic-sql",
                        "pgwarden:large-objects",
                        "pgwarden:masking",
                        "pgwarden:catalog",
                        "pgwarden:busy",
                        "pgwarden:recording",
                        "pgwarden:policy",
                        "pgwarden:function-call",
                        "pgwarden:reserved-names");
    }

    @Test
    void aVerdictSaysWhetherABuiltInRuleDecided() {
        Verdict guard = Verdict.of(List.of(
                new Verdict.Match(Action.Allow, "defaultAction", "no rule matches it"),
                new Verdict.Match(Action.Deny, BuiltInRule.IDENTITY, "it changes the role")));
        assertThat(guard.rule()).isEqualTo("pgwarden:identity");
        assertThat(guard.builtIn()).isEqualTo(BuiltInRule.IDENTITY);
        Verdict own = Verdict.of(List.of(new Verdict.Match(Action.Deny, "no-drop", "it matches rule \"no-drop\"")));
        assertThat(own.builtIn()).isNull();
        assertThat(BuiltInRule.named("access.mode=ReadOnly")).isEqualTo(BuiltInRule.READ_ONLY);
    }
}
