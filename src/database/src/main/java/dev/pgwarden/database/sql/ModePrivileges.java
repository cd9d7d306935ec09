package dev.pgwarden.database.sql;

import dev.pgwarden.api.v1alpha1.AccessMode;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What an access mode gives the group, spelled as GRANT takes it ({@code "SELECT, INSERT"}). The
 * schema-wide grants, the check for privileges beyond the policy and masking's column-level
 * grants all read it here, so that the three never disagree about what a mode allows.
 */
public final class ModePrivileges {
    private ModePrivileges() {}

    /** On a table or view: SELECT, plus INSERT, UPDATE and DELETE for ReadWrite. */
    public static String tables(AccessMode mode) {
        return mode == AccessMode.ReadWrite ? "SELECT, INSERT, UPDATE, DELETE" : "SELECT";
    }

    /**
     * On a table at table level when its reading is granted column by column (it has masked
     * columns) or not yet at all (a table created after the last apply): the mode's writes, never
     * SELECT; empty for ReadOnly.
     */
    public static String tableWrites(AccessMode mode) {
        return mode == AccessMode.ReadWrite ? "INSERT, UPDATE, DELETE" : "";
    }

    /** On a sequence: SELECT, plus USAGE (nextval) for ReadWrite. */
    public static String sequences(AccessMode mode) {
        return mode == AccessMode.ReadWrite ? "SELECT, USAGE" : "SELECT";
    }

    /** Each privilege of a list as GRANT takes it; none for an empty list. */
    public static List<String> each(String privileges) {
        return Arrays.stream(privileges.split(", ")).filter(p -> !p.isEmpty()).toList();
    }

    /** "SELECT, INSERT" as the ACL queries spell it: "INSERT,SELECT". */
    public static String canonical(String privileges) {
        return each(privileges).stream().sorted().collect(Collectors.joining(","));
    }
}
