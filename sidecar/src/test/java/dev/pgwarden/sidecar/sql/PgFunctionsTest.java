package dev.pgwarden.sidecar.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.masking.plan.CatalogSnapshot;
import dev.pgwarden.sidecar.masking.plan.MaskPlanner;
import dev.pgwarden.sidecar.masking.plan.MaskRules;
import dev.pgwarden.sidecar.masking.plan.MaskedColumn;
import dev.pgwarden.sidecar.policy.BuiltInRule;
import dev.pgwarden.sidecar.policy.Verdict;
import dev.pgwarden.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The policy's built-in guards and masking read one table of PostgreSQL functions, and agree on
 * every function: each of PostgreSQL's own (read from a real server's pg_proc) and each the table
 * knows. A function added to one side alone, or a change in how one side reads the table, shows
 * up here as a disagreement.
 */
class PgFunctionsTest {
    private static final MaskedColumn EMAIL =
            new MaskedColumn("public", "people", "email", MaskStrategy.PARTIAL, false);
    private static final MaskPlanner PLANNER = new MaskPlanner(new MaskRules(List.of(EMAIL)));
    private static final CatalogSnapshot CATALOG = new CatalogSnapshot(
            1,
            Map.of(),
            Set.of(1),
            Map.of("people", Map.of("email", EMAIL), "public.people", Map.of("email", EMAIL)),
            Map.of("people", Set.of("id", "email"), "public.people", Set.of("id", "email")),
            Set.of("public"),
            Set.of("people", "public.people"),
            Set.of(),
            Map.of());
    /** A statement that reads no masked column, and one that passes a masked column to a function. */
    private static final Classification PLAIN = StatementClassifier.classify("SELECT 1");

    private static final Classification OVER_MASKED = StatementClassifier.classify("SELECT f(email) FROM people");

    /** Guards for code that runs SQL or reaches another database, which masking cannot trace. */
    private static final Set<BuiltInRule> UNTRACEABLE_GUARDS =
            Set.of(BuiltInRule.DYNAMIC_SQL, BuiltInRule.OTHER_DATABASES);
    /** Guards for functions that keep their arguments where the session can read them back. */
    private static final Set<BuiltInRule> STORING_GUARDS = Set.of(BuiltInRule.SETTINGS, BuiltInRule.LARGE_OBJECTS);
    /** Every guard the policy puts on function calls. */
    private static final Set<BuiltInRule> FUNCTION_GUARDS = Set.of(
            BuiltInRule.SERVER_FILES,
            BuiltInRule.SERVER_CONTROL,
            BuiltInRule.SETTINGS,
            BuiltInRule.OTHER_DATABASES,
            BuiltInRule.DYNAMIC_SQL,
            BuiltInRule.LARGE_OBJECTS);

    @Test
    void policyAndMaskingAgreeOnEveryFunction() throws SQLException {
        Set<String> functions = new TreeSet<>(PgFunctions.names());
        functions.addAll(postgresFunctions());
        assertThat(functions).as("pg_proc was read").hasSizeGreaterThan(1000);
        List<String> disagreements = new ArrayList<>();
        for (String f : functions) {
            BuiltInRule guard = guard(f);
            boolean untraceableGuard = guard != null && UNTRACEABLE_GUARDS.contains(guard);
            boolean untraceable = PLANNER.plan(calling(PLAIN, f), null, CATALOG, List.of(), Map.of())
                            .refusal()
                    != null;
            boolean storing = !untraceable
                    && PLANNER.plan(calling(OVER_MASKED, f), null, CATALOG, List.of(), Map.of())
                                    .refusal()
                            != null;
            if (untraceableGuard != untraceable) {
                disagreements.add(f + ": the policy's guard is " + guard + ", and masking "
                        + (untraceable ? "cannot" : "can") + " trace what it returns");
            }
            if (guard != null && STORING_GUARDS.contains(guard) && !storing) {
                disagreements.add(
                        f + ": the policy guards it as " + guard + ", and masking lets it take a masked value");
            }
            if ((guard != null || untraceable || storing)
                    && !PgFunctions.names().contains(f)) {
                disagreements.add(f + ": singled out by " + (guard != null ? "the policy" : "masking")
                        + " but not in PgFunctions");
            }
        }
        assertThat(disagreements)
                .withFailMessage("policy and masking disagree:%n%s", String.join("\n", disagreements))
                .isEmpty();
    }

    @Test
    void aFunctionThatRunsSqlTextIsAGuardAndUntraceable() {
        for (String f : PgFunctions.names()) {
            if (PgFunctions.has(f, PgFunctions.Trait.RUNS_SQL_TEXT)) {
                assertThat(guard(f)).as(f).isIn(UNTRACEABLE_GUARDS);
                assertThat(PLANNER.plan(calling(PLAIN, f), null, CATALOG, List.of(), Map.of())
                                .refusal())
                        .as(f)
                        .contains(f + "()");
            }
        }
    }

    /** The policy's guard on calls of {@code f}, or null. */
    private static BuiltInRule guard(String f) {
        Verdict v = TestPolicies.READ_WRITE.decide(calling(PLAIN, f));
        return v.matched().stream()
                .map(Verdict.Match::builtIn)
                .filter(r -> r != null && FUNCTION_GUARDS.contains(r))
                .findFirst()
                .orElse(null);
    }

    /** The classification {@code c} with {@code f} as the one function it calls. */
    private static Classification calling(Classification c, String f) {
        assertThat(c.kind()).isEqualTo(StatementKind.SELECT);
        return new Classification(
                c.kind(),
                c.effects(),
                c.reads(),
                c.writes(),
                c.unbounded(),
                Set.of(f),
                c.target(),
                c.hazards(),
                c.problem(),
                c.lineage(),
                c.code(),
                c.names());
    }

    private static Set<String> postgresFunctions() throws SQLException {
        Set<String> out = new TreeSet<>();
        try (Connection c = TestPostgres.shared().superuser(TestPostgres.DATABASE);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT DISTINCT proname FROM pg_proc")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
