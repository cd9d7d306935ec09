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
 *     is not the admin ({@code run as "owner": REVOKE ...}); empty where the fix is in the policy
 * @param runAs the role of that prefix, as the statement names it; empty when the admin runs it
 */
public record MaskingProblem(String relation, String message, Optional<String> statement, Optional<String> runAs) {
    public MaskingProblem {
        Objects.requireNonNull(relation, "relation");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(statement, "statement");
        Objects.requireNonNull(runAs, "runAs");
    }

    /** The SQL of {@link #statement} alone, without the role to run it as. */
    public Optional<String> sql() {
        return statement.map(
                s -> runAs.map(role -> s.substring(prefix(role).length())).orElse(s));
    }

    /** A fix the admin role can run (pgwarden does not, since it changes what others made). */
    static MaskingProblem of(String relation, String message, String statement) {
        return new MaskingProblem(relation, message, Optional.of(statement), Optional.empty());
    }

    /** A fix only {@code role} (quoted as a statement names it) can run. */
    static MaskingProblem runAs(String relation, String message, String role, String statement) {
        return new MaskingProblem(relation, message, Optional.of(prefix(role) + statement), Optional.of(role));
    }

    static MaskingProblem inPolicy(String relation, String message) {
        return new MaskingProblem(relation, message, Optional.empty(), Optional.empty());
    }

    private static String prefix(String role) {
        return "run as " + role + ": ";
    }
}
