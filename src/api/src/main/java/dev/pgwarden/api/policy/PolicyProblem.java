package dev.pgwarden.api.policy;

/** One thing wrong with a policy, located by its field path (e.g. {@code spec.rules[1].action}). */
public record PolicyProblem(String path, String message) {
    @Override
    public String toString() {
        return path + ": " + message;
    }
}
