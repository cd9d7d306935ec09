package dev.pgwarden.operator.policy;

/**
 * Why a policy could not be reconciled, in words for {@code kubectl describe}: the reason becomes
 * the condition's reason, the message tells the user what to fix.
 */
public final class ReconcileProblem extends RuntimeException {
    public enum Reason {
        /** The spec breaks a rule the CRD schema cannot express; retrying does not help. */
        InvalidPolicy,
        AdminSecretMissing,
        /** The admin Secret is not marked for pgwarden, or is pinned to another database. */
        AdminSecretRefused,
        /** spec.database names another server or database than the one the roles were made in. */
        DatabaseChanged,
        DatabaseUnavailable,
        DatabaseError,
        SchemaNotFound,
        /** The group role's name is taken by a role pgwarden did not create for this policy. */
        RoleConflict,
        /**
         * The group's privileges differ from the policy where the admin role cannot change them: a
         * grant it cannot make or one it cannot revoke (Degraded, still Ready).
         */
        PrivilegeDrift,
        /**
         * Masking in the database differs from the policy where the admin role cannot make it so (a
         * masked table it does not own, a view it cannot make, a grant that lets the group read a
         * masked column anyway), or an application view over a masked table is withheld from the
         * agent: Degraded, still Ready (what cannot be masked is not readable either).
         */
        MaskingDrift,
        KubernetesError
    }

    private final Reason reason;

    public ReconcileProblem(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ReconcileProblem(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
