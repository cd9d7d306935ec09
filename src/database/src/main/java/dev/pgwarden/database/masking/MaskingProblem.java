package dev.pgwarden.database.masking;

import java.util.Objects;
import java.util.Optional;

/**
 * Something {@link MaskingViews#apply} could not make true, in words for whoever reads the
 * policy's status, and what fixes it.
 *
 * @param relation the table or view concerned, quoted and qualified ({@code "public"."customers"})
 * @param message what is wrong and what it means for the agent
 * @param statement the SQL a DBA would run to fix it, prefixed with the role to run it as where that
 *     is not the admin; empty where the fix is in the policy
 */
public record MaskingProblem(String relation, String message, Optional<String> statement) {
  public MaskingProblem {
    Objects.requireNonNull(relation, "relation");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(statement, "statement");
  }

  static MaskingProblem of(String relation, String message, String statement) {
    return new MaskingProblem(relation, message, Optional.of(statement));
  }

  static MaskingProblem inPolicy(String relation, String message) {
    return new MaskingProblem(relation, message, Optional.empty());
  }
}
