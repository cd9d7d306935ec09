package dev.pgwarden.sidecar.policy;

import dev.pgwarden.api.v1alpha1.Action;
import java.util.List;

/**
 * What the policy says about a statement.
 *
 * @param rule the rule that decided: a policy rule's name, {@code defaultAction},
 *     {@code onUnparseable}, {@code access.mode} or a built-in guard ({@code pgwarden:...})
 * @param reason one sentence on why, for the agent's error message and the audit
 * @param matched every rule or guard that matched, strictest first, for {@code pgwarden check}
 */
public record Verdict(Action action, String rule, String reason, List<Match> matched) {
  public record Match(Action action, String rule, String reason) {
  }

  public static Verdict of(List<Match> matches) {
    Match decisive = matches.get(0);
    for (Match m : matches) {
      if (m.action().ordinal() > decisive.action().ordinal()) {
        decisive = m;
      }
    }
    Match chosen = decisive;
    List<Match> ordered = new java.util.ArrayList<>(matches);
    ordered.sort((a, b) -> b.action().ordinal() - a.action().ordinal());
    return new Verdict(chosen.action(), chosen.rule(), chosen.reason(), List.copyOf(ordered));
  }

  /** The strictest of several verdicts (a multi-statement Query); the first wins a tie. */
  public Verdict strictest(Verdict other) {
    return other.action.ordinal() > action.ordinal() ? other : this;
  }
}
