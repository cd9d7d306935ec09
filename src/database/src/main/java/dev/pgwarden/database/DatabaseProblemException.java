package dev.pgwarden.database;

/** Carries a {@link DatabaseProblem} out of the step that found it; that step's changes are rolled back. */
public final class DatabaseProblemException extends RuntimeException {
    private final transient DatabaseProblem problem;

    DatabaseProblemException(DatabaseProblem problem) {
        super(problem.message());
        this.problem = problem;
    }

    public DatabaseProblem problem() {
        return problem;
    }
}
