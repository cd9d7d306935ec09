package dev.pgwarden.sidecar.policy;

import dev.pgwarden.api.v1alpha1.Action;
import java.util.List;

/**
 * What the policy says about a statement.
 *
 * @param rule the rule that decided: a policy rule's name, {@code defaultAction},
 *     {@code onUnparseable}, or a {@link BuiltInRule}'s name
 * @param reason one sentence on why, for the agent's error message and the audit
 * @param matched every rule or guard that matched, strictest first, for {@code pgwarden check}
 */
public record Verdict(Action action, String rule, String reason, List<Match> matched) {
    /**
     * @param rowsChanged rows a trial run of the statement changed, when this is a changesMoreThan
     *     rule the trial made match; else null
     */
    public record Match(Action action, String rule, String reason, Long rowsChanged) {
        public Match(Action action, String rule, String reason) {
            this(action, rule, reason, null);
        }

        public Match(Action action, BuiltInRule rule, String reason) {
            this(action, rule.ruleName(), reason);
        }

        /** The built-in rule that matched, or null for a policy's own. */
        public BuiltInRule builtIn() {
            return BuiltInRule.named(rule);
        }
    }

    /** The strictest match decides; the first of equally strict ones wins. */
    public static Verdict of(List<Match> matches) {
        List<Match> strictestFirst = new java.util.ArrayList<>(matches);
        strictestFirst.sort((a, b) -> b.action().ordinal() - a.action().ordinal());
        Match decisive = strictestFirst.get(0);
        return new Verdict(decisive.action(), decisive.rule(), decisive.reason(), List.copyOf(strictestFirst));
    }

    /** Rows the trial run changed, when a changesMoreThan rule it made match decided; else null. */
    public Long rowsChanged() {
        return matched.isEmpty() || !matched.get(0).rule().equals(rule)
                ? null
                : matched.get(0).rowsChanged();
    }

    /** The built-in rule that decided, or null when the policy's own rules did. */
    public BuiltInRule builtIn() {
        return BuiltInRule.named(rule);
    }

    /** The strictest of several verdicts (a multi-statement Query); the first wins a tie. */
    public Verdict strictest(Verdict other) {
        return other.action.ordinal() > action.ordinal() ? other : this;
    }
}
