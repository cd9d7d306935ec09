package dev.pgwarden.database;

/**
 * One way the group's privileges differ from its policy where the admin role has no say: a grant
 * it cannot make, or a privilege or membership it cannot revoke; or where masking could not be
 * made what the policy says. Agents still get credentials; the difference is reported with the
 * statement that removes it and who may run that.
 *
 * @param difference what differs, e.g. {@code SELECT on "sales"."theirs" is not granted: ...}
 * @param whoCanFix whom to run the statement as, e.g. {@code outsider} or {@code a role with ADMIN on pg_read_all_data};
 *     empty when there is no statement (the difference says what to change)
 * @param statement the SQL that makes the privileges the policy's; empty when the fix is not one
 *     statement (a masking rule to add, a schema to rename)
 */
public record PrivilegeDrift(Kind kind, String difference, String whoCanFix, String statement) {
    public enum Kind {
        /** A privilege the policy grants that the group lacks (the admin does not act as the object's owner). */
        MISSING_GRANT,
        /** A privilege on a schema, table, sequence or column beyond the policy. */
        EXCESS_PRIVILEGE,
        /** Default privileges that give the group every new object of some kind. */
        EXCESS_DEFAULT_PRIVILEGES,
        /** Membership of the group or one of its logins in a role the policy does not grant. */
        EXCESS_MEMBERSHIP,
        /**
         * Masking that could not be made what the policy says: a masked table the admin cannot
         * restrict, a view it cannot make, a grant that lets the group read a masked column anyway.
         */
        MASKING,
        /**
         * A view or materialized view of the application's over a masked table: it reads as its owner,
         * so the group holds no privilege on it (the agent cannot read it) until a rule masks it too.
         */
        WITHHELD_VIEW;

        public boolean masking() {
            return this == MASKING || this == WITHHELD_VIEW;
        }
    }

    /** The sentence status conditions and logs show: what differs; run as whom: the statement. */
    @Override
    public String toString() {
        return statement.isEmpty() ? difference : difference + "; run as " + whoCanFix + ": " + statement;
    }
}
