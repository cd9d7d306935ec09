package dev.pgwarden.database.masking;

import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.database.sql.ModePrivileges;
import dev.pgwarden.database.sql.Sql;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The group's privileges on the relations masking governs, made exactly what masking wants and
 * written only where they differ. PostgreSQL's own column privileges do the work: without SELECT
 * on a column, no statement the agent's role runs reads it, and {@code pg_stats} hides its
 * statistics. A table-level REVOKE takes the column privileges of the same kind with it, so column
 * grants are made after.
 *
 * <p>Where the admin does not hold the owner's privileges, PostgreSQL would only warn and change
 * nothing; the statement the owner has to run is reported instead.
 */
final class Privileges {
    /** The group's entry on an unmasked column of a masked table. */
    static final String COLUMN = "SELECT";

    private final Changes changes;
    private final String group;
    private final AccessMode mode;
    private final List<MaskingProblem> problems;

    Privileges(Changes changes, String group, AccessMode mode, List<MaskingProblem> problems) {
        this.changes = changes;
        this.group = Sql.ident(group);
        this.mode = mode;
        this.problems = problems;
    }

    /** A masked table or a child of one: the mode's writes, and SELECT on the unmasked columns only. */
    void restrict(Relation r, Set<String> masked) throws SQLException {
        String writes = ModePrivileges.tableWrites(mode);
        List<String> readable = r.columns().stream()
                .map(Relation.Column::name)
                .filter(c -> !masked.contains(c))
                .toList();
        if (!r.manageable()) {
            boolean differs = !r.held().equals(ModePrivileges.canonical(writes))
                    || r.columns().stream().anyMatch(c -> !c.held().equals(masked.contains(c.name()) ? "" : COLUMN));
            if (differs) {
                problems.add(MaskingProblem.runAs(
                        r.qualified(),
                        "the admin role does not hold the privileges of the owner of " + r.qualified()
                                + ", so it cannot limit the agent's group to the table's unmasked columns",
                        Sql.ident(r.owner()),
                        "REVOKE ALL ON TABLE " + r.qualified() + " FROM " + group
                                + (readable.isEmpty()
                                        ? ""
                                        : "; GRANT SELECT (" + columnList(readable) + ") ON TABLE " + r.qualified()
                                                + " TO " + group)
                                + (writes.isEmpty()
                                        ? ""
                                        : "; GRANT " + writes + " ON TABLE " + r.qualified() + " TO " + group)));
            }
            return;
        }
        boolean reset = false;
        if (!r.held().equals(ModePrivileges.canonical(writes))) {
            changes.run("REVOKE ALL ON TABLE " + r.qualified() + " FROM " + group + " CASCADE");
            if (!writes.isEmpty()) {
                changes.run("GRANT " + writes + " ON TABLE " + r.qualified() + " TO " + group);
            }
            reset = true;
        }
        List<String> revoke = new ArrayList<>();
        List<String> grant = new ArrayList<>();
        for (Relation.Column c : r.columns()) {
            String held = reset ? "" : c.held();
            String wanted = masked.contains(c.name()) ? "" : COLUMN;
            if (!held.equals(wanted)) {
                if (!held.isEmpty()) {
                    revoke.add(c.name());
                }
                if (!wanted.isEmpty()) {
                    grant.add(c.name());
                }
            }
        }
        if (!revoke.isEmpty()) {
            changes.run("REVOKE ALL (" + columnList(revoke) + ") ON TABLE " + r.qualified() + " FROM " + group
                    + " CASCADE");
        }
        if (!grant.isEmpty()) {
            changes.run("GRANT SELECT (" + columnList(grant) + ") ON TABLE " + r.qualified() + " TO " + group);
        }
    }

    /** A table no rule masks any more: the mode's privileges at table level, no column privileges. */
    void restore(Relation r) throws SQLException {
        String whole = ModePrivileges.tables(mode);
        boolean columns = r.columns().stream().anyMatch(c -> !c.held().isEmpty());
        if (r.held().equals(ModePrivileges.canonical(whole)) && !columns) {
            return;
        }
        String statements = "REVOKE ALL ON TABLE " + r.qualified() + " FROM " + group + " CASCADE; GRANT " + whole
                + " ON TABLE " + r.qualified() + " TO " + group;
        if (!r.manageable()) {
            problems.add(MaskingProblem.runAs(
                    r.qualified(),
                    "no rule masks " + r.qualified() + " any more, but the admin role"
                            + " does not hold its owner's privileges to give the agent's group the whole table back",
                    Sql.ident(r.owner()),
                    statements));
            return;
        }
        changes.run("REVOKE ALL ON TABLE " + r.qualified() + " FROM " + group + " CASCADE");
        changes.run("GRANT " + whole + " ON TABLE " + r.qualified() + " TO " + group);
    }

    /** A relation the group must hold nothing on: a view over a masked table, or one outside the policy. */
    void withhold(Relation r) throws SQLException {
        if (!r.anyHeld()) {
            return;
        }
        if (!r.manageable()) {
            problems.add(MaskingProblem.runAs(
                    r.qualified(),
                    r.qualified() + " reads a masked table as its owner, and the"
                            + " admin role does not hold that owner's privileges to take the agent's group's privileges on it",
                    Sql.ident(r.owner()),
                    "REVOKE ALL ON TABLE " + r.qualified() + " FROM " + group));
            return;
        }
        changes.run("REVOKE ALL ON TABLE " + r.qualified() + " FROM " + group + " CASCADE");
    }

    /** A masking view: SELECT, nothing else. */
    void view(String qualifiedView, String held) throws SQLException {
        if (held.equals(COLUMN)) {
            return;
        }
        if (!held.isEmpty()) {
            changes.run("REVOKE ALL ON TABLE " + qualifiedView + " FROM " + group + " CASCADE");
        }
        changes.run("GRANT SELECT ON TABLE " + qualifiedView + " TO " + group);
    }

    /** A masking schema: USAGE, nothing else. */
    void usage(String schema, String held) throws SQLException {
        if (held.equals("USAGE")) {
            return;
        }
        if (!held.isEmpty()) {
            changes.run("REVOKE ALL ON SCHEMA " + Sql.ident(schema) + " FROM " + group + " CASCADE");
        }
        changes.run("GRANT USAGE ON SCHEMA " + Sql.ident(schema) + " TO " + group);
    }

    private static String columnList(List<String> columns) {
        return columns.stream().map(Sql::ident).collect(Collectors.joining(", "));
    }
}
