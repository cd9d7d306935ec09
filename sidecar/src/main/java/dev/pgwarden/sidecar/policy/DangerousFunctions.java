package dev.pgwarden.sidecar.policy;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.sidecar.sql.PgFunctions;
import dev.pgwarden.sidecar.sql.PgFunctions.Trait;
import java.util.List;

/**
 * The guards on functions that reach outside the agent's data whatever the SQL around them: the
 * database server's files and programs, other sessions, the server's configuration, other
 * databases, SQL run from strings (which hides the real statement from classification) and large
 * objects. Which function does what is {@link PgFunctions}'s table. A call anywhere in a statement
 * triggers the guard; the policy's rules can make it stricter, never milder.
 */
final class DangerousFunctions {
    record Guard(Trait trait, Action action, BuiltInRule rule, String reason) {}

    /** In order of precedence: a function with several traits is guarded by the first that applies. */
    private static final List<Guard> GUARDS = List.of(
            new Guard(
                    Trait.SERVER_FILES,
                    Action.Deny,
                    BuiltInRule.SERVER_FILES,
                    "it reads or writes files on the database server"),
            new Guard(
                    Trait.SERVER_CONTROL,
                    Action.RequireApproval,
                    BuiltInRule.SERVER_CONTROL,
                    "it acts on other sessions or on the server's configuration"),
            new Guard(
                    Trait.CHANGES_SETTINGS,
                    Action.RequireApproval,
                    BuiltInRule.SETTINGS,
                    "set_config can change the role, read-only mode and other protected settings"),
            new Guard(
                    Trait.OTHER_DATABASES,
                    Action.RequireApproval,
                    BuiltInRule.OTHER_DATABASES,
                    "it connects to another database, outside what pgwarden audits"),
            new Guard(
                    Trait.RUNS_SQL_TEXT,
                    Action.RequireApproval,
                    BuiltInRule.DYNAMIC_SQL,
                    "it runs SQL given as a string, which pgwarden cannot classify"),
            new Guard(
                    Trait.WRITES_LARGE_OBJECTS,
                    Action.RequireApproval,
                    BuiltInRule.LARGE_OBJECTS,
                    "it changes large objects, which bypass table privileges and rules"));

    private DangerousFunctions() {}

    /** The guard on calls of {@code function}, or null when it has none. */
    static Guard lookup(String function) {
        var traits = PgFunctions.traits(function);
        for (Guard g : GUARDS) {
            if (traits.contains(g.trait())) {
                return g;
            }
        }
        return null;
    }
}
