package dev.pgwarden.database.masking;

import dev.pgwarden.database.sql.Sql;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The outcome of one {@link MaskingViews#apply}.
 *
 * @param searchPath the schemas the agent's sessions must search, each masking schema right before
 *     its source schema; the caller sets it (on the role, or on each session)
 * @param governed the relations whose privileges for the group masking decides, quoted and
 *     qualified ({@code "public"."customers"}): masked tables and their partitions and inheritance
 *     children (no table-level SELECT; SELECT on unmasked columns), views over them (withheld), and
 *     tables kept restricted until a problem is fixed. Grants made for the policy's schemas as a
 *     whole must leave these alone, or the next apply takes back what they give.
 * @param withheld views and materialized views the application owns over masked tables: the
 *     group holds no privilege on them, since they read as their owner
 * @param problems what could not be done, each with its fix
 * @param changes the statements that changed something (the key's bytes never appear); empty when
 *     the database already matched
 */
public record MaskingReport(
        List<String> searchPath,
        Set<String> governed,
        List<String> withheld,
        List<MaskingProblem> problems,
        List<String> changes) {
    public MaskingReport {
        searchPath = List.copyOf(searchPath);
        governed = Set.copyOf(governed);
        withheld = List.copyOf(withheld);
        problems = List.copyOf(problems);
        changes = List.copyOf(changes);
    }

    /** The search_path as {@code SET search_path TO ...} takes it: quoted names, comma-separated. */
    public String searchPathSetting() {
        return searchPath.stream().map(Sql::ident).collect(Collectors.joining(", "));
    }
}
