package dev.pgwarden.database;

/**
 * What stops pgwarden from applying a policy in a database, other than an SQL error: the database
 * is not in a state pgwarden may change, and retrying helps only once someone has acted. Callers
 * turn it into their own terms (the operator into a condition reason); the message says what to do.
 */
public sealed interface DatabaseProblem {
    String message();

    /**
     * The group role's name is taken by a role pgwarden did not create for this policy: it carries
     * no comment, or another one. pgwarden neither adopts nor changes it.
     */
    record RoleConflict(String role, String expectedComment) implements DatabaseProblem {
        @Override
        public String message() {
            return "role " + role + " already exists on the server but pgwarden did not create it for this policy (its"
                    + " comment is not '" + expectedComment
                    + "'); pgwarden neither adopts nor changes it. Rename or drop that"
                    + " role, or give the policy another name";
        }
    }

    /** A schema the policy grants on does not exist. */
    record SchemaNotFound(String schema, String database) implements DatabaseProblem {
        @Override
        public String message() {
            return "schema " + schema + " does not exist in database " + database
                    + "; create it or remove it from spec.access.schemas";
        }
    }
}
