package dev.pgwarden.cli;

import dev.pgwarden.api.policy.PolicyLoader;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.api.policy.SessionLimits;
import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.sidecar.policy.StatementPolicy;
import dev.pgwarden.sidecar.policy.TimeoutSettings;
import dev.pgwarden.sidecar.policy.Verdict;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.StatementClassifier;
import dev.pgwarden.sidecar.sql.StatementSplitter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pgwarden check}: what a policy does with some SQL, without a database, so a policy can be
 * tested in CI before it is rolled out. The exit code is the decision: 0 Allow, 3 RequireApproval,
 * 4 Deny (1 for an invalid policy, 2 for bad usage).
 */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = "Classify SQL and show what a policy decides. Exit code: 0 Allow, 3 RequireApproval, 4 Deny.")
public final class CheckCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "DatabaseAccessPolicy YAML file.")
    Path policyFile;

    @Parameters(
            arity = "0..1",
            paramLabel = "SQL",
            description = "The SQL (several statements allowed, as one Query). Read from stdin when omitted.")
    String sql;

    @Override
    public Integer call() throws Exception {
        DatabaseAccessPolicy policy = new PolicyLoader(PolicyValidator.Use.CLUSTER).load(policyFile);
        String text = sql != null ? sql : new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        StatementPolicy rules = new StatementPolicy(policy.getSpec());
        SessionLimits limits = SessionLimits.of(policy.getSpec().limits());
        List<String> statements = StatementSplitter.split(text);
        if (statements.isEmpty()) {
            System.out.println("no statement");
            printLimits(limits);
            return 0;
        }
        Verdict overall = null;
        for (String s : statements) {
            Classification c = StatementClassifier.classify(s);
            Verdict v = TimeoutSettings.guard(rules.decide(c), s, null, limits);
            overall = overall == null ? v : overall.strictest(v);
            print(s, c, v, rules.trial(c, name -> List.of(), v));
        }
        if (statements.size() > 1) {
            System.out.println(
                    "query: " + overall.action() + " (" + overall.rule() + "): the strictest of its statements");
        }
        printLimits(limits);
        return exitCode(overall.action());
    }

    /**
     * The policy's limits, which apply to every session (maxRowsChangedPerSession depends on what the
     * session changed before, so no single statement shows it).
     */
    private static void printLimits(SessionLimits limits) {
        for (String line : limits.describe()) {
            System.out.println("limit: " + line);
        }
    }

    static int exitCode(Action a) {
        return switch (a) {
            case Allow -> 0;
            case RequireApproval -> 3;
            case Deny -> 4;
        };
    }

    private static void print(String statement, Classification c, Verdict v, StatementPolicy.Trial trial) {
        System.out.println("statement: " + statement.replace("\n", "\n           "));
        System.out.println(
                "  kind:      " + c.kind() + (c.effects().size() > 1 ? "  (performs " + c.effectsInOrder() + ")" : ""));
        if (c.problem() != null) {
            System.out.println("  problem:   " + c.problem());
        }
        if (!c.reads().isEmpty()) {
            System.out.println("  reads:     " + String.join(", ", c.reads()));
        }
        if (!c.writes().isEmpty()) {
            System.out.println("  writes:    " + String.join(", ", c.writes()));
        }
        if (c.unbounded()) {
            System.out.println("  unbounded: yes (UPDATE or DELETE without a limiting WHERE)");
        }
        if (!c.functions().isEmpty()) {
            System.out.println("  functions: " + String.join(", ", c.functions()));
        }
        if (c.runsCode()) {
            System.out.println(
                    "  code:      " + String.join(", ", c.code()) + " (pgwarden cannot see into it: it counts as"
                            + " every kind of write, unless an Allow rule names DO, CALL or CREATE)");
        }
        if (trial != null) {
            System.out.println("  trial:     needed: changesMoreThan " + trial.limit() + " (rules "
                    + String.join(", ", trial.rules())
                    + ") decides once a trial run has counted the rows it changes; the decision below is"
                    + " the one within the limit");
        }
        for (Verdict.Match m : v.matched()) {
            System.out.println("  matched:   " + m.rule() + " -> " + m.action() + " (" + m.reason() + ")");
        }
        System.out.println("  decision:  " + v.action() + " by " + v.rule());
    }
}
