package dev.pgwarden.api.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A policy that cannot be used, with every problem found and where it is. */
public class InvalidPolicyException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<PolicyProblem> problems;

    public InvalidPolicyException(String source, List<PolicyProblem> problems) {
        super("invalid policy " + source + ":\n"
                + problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<PolicyProblem> problems() {
        return problems;
    }
}
