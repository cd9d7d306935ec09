package dev.pgwarden.sidecar.policy;

import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicySpec;
import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.api.v1alpha1.StatementRule;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.Classification.Hazard;
import dev.pgwarden.sidecar.sql.Target;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Applies one policy to classified statements. Every rule that matches and every built-in guard
 * that applies is collected, and the strictest action wins (Deny > RequireApproval > Allow);
 * {@code defaultAction} decides only when nothing matched. Built-in guards cover what no policy
 * should let through silently: server files and programs, identity changes, the settings the
 * proxy relies on, and, in {@code ReadOnly} mode, every write.
 */
public final class StatementPolicy {
    /** Kinds that change data, schema, privileges or server state: all refused in ReadOnly mode. */
    private static final Set<StatementKind> WRITES = EnumSet.of(
            StatementKind.INSERT,
            StatementKind.UPDATE,
            StatementKind.DELETE,
            StatementKind.MERGE,
            StatementKind.COPY_FROM,
            StatementKind.CREATE,
            StatementKind.ALTER,
            StatementKind.DROP,
            StatementKind.TRUNCATE,
            StatementKind.GRANT,
            StatementKind.REVOKE,
            StatementKind.CREATE_ROLE,
            StatementKind.ALTER_ROLE,
            StatementKind.DROP_ROLE,
            StatementKind.CALL,
            StatementKind.DO,
            StatementKind.VACUUM,
            StatementKind.ANALYZE,
            StatementKind.NOTIFY,
            StatementKind.LOCK,
            StatementKind.SETVAL,
            StatementKind.OTHER);

    /** Kinds that change rows: limits.maxRowsChangedPerSession holds them once a session changed that many. */
    private static final Set<StatementKind> ROW_WRITES = EnumSet.of(
            StatementKind.INSERT,
            StatementKind.UPDATE,
            StatementKind.DELETE,
            StatementKind.MERGE,
            StatementKind.COPY_FROM,
            StatementKind.TRUNCATE);

    /** Rows changed by a statement that cannot run as a trial: every changesMoreThan rule matches. */
    public static final long UNCOUNTED = Long.MAX_VALUE;

    private final DatabaseAccessPolicySpec spec;
    private final boolean readOnly;

    public StatementPolicy(DatabaseAccessPolicySpec spec) {
        this.spec = spec;
        this.readOnly = spec.access() != null && spec.access().mode() == AccessMode.ReadOnly;
    }

    public DatabaseAccessPolicySpec spec() {
        return spec;
    }

    /**
     * @param preparedBodies what EXECUTE would run, by prepared statement name: the bodies PREPAREd
     *     under that name in this session (all of them, since a PREPARE may have failed); empty
     *     when the name is unknown
     */
    public Verdict decide(Classification c, Function<String, List<Classification>> preparedBodies) {
        return decide(c, preparedBodies, null);
    }

    /**
     * @param rowsChanged how many rows a trial run of the statement changed, or null before any
     *     trial: rules with {@code changesMoreThan} then match only once a trial says so (see
     *     {@link #trial})
     */
    public Verdict decide(Classification c, Function<String, List<Classification>> preparedBodies, Long rowsChanged) {
        List<Verdict.Match> matches = new ArrayList<>();
        evaluate(c, matches, rowsChanged);
        if (c.hasHazard(Hazard.RUNS_PREPARED)) {
            String name = c.target() instanceof Target.Execute e ? e.name() : "";
            List<Classification> bodies = preparedBodies.apply(name);
            if (bodies.isEmpty()) {
                matches.add(new Verdict.Match(
                        spec.onUnparseableOrDefault(),
                        "onUnparseable",
                        "it executes prepared statement \"" + name
                                + "\", which pgwarden has not seen prepared in this session"));
            }
            for (Classification body : bodies) {
                evaluate(body, matches, rowsChanged);
            }
        }
        Verdict v = Verdict.of(matches);
        if (c.kind() == StatementKind.PREPARE && v.action() == Action.RequireApproval) {
            // PREPARE runs nothing; the approval is asked for when EXECUTE runs the body.
            List<Verdict.Match> withAllow = new ArrayList<>(v.matched());
            withAllow.add(
                    0,
                    new Verdict.Match(
                            Action.Allow,
                            "prepare",
                            "PREPARE runs nothing; EXECUTE is decided by the prepared statement"));
            return new Verdict(Action.Allow, "prepare", withAllow.get(0).reason(), List.copyOf(withAllow));
        }
        return v;
    }

    public Verdict decide(Classification c) {
        return decide(c, name -> List.of());
    }

    /**
     * Whether a trial run must decide the statement: some rule with {@code changesMoreThan} names
     * one of its kinds and would make the verdict stricter than it is without a trial.
     *
     * @return the rules a trial decides and the smallest limit among them, or null when no trial
     *     can change the verdict
     */
    public Trial trial(Classification c, Function<String, List<Classification>> preparedBodies, Verdict withoutTrial) {
        List<Classification> all = new ArrayList<>();
        all.add(c);
        if (c.hasHazard(Hazard.RUNS_PREPARED)) {
            all.addAll(preparedBodies.apply(c.target() instanceof Target.Execute e ? e.name() : ""));
        }
        long limit = Long.MAX_VALUE;
        List<String> rules = new ArrayList<>();
        for (StatementRule rule : spec.rulesOrEmpty()) {
            if (rule.changesMoreThan() == null
                    || rule.action().ordinal() <= withoutTrial.action().ordinal()) {
                continue;
            }
            for (Classification one : all) {
                if (matchesKinds(rule, CodeEffects.judged(one, spec))) {
                    limit = Math.min(limit, rule.changesMoreThan());
                    rules.add(rule.name());
                    break;
                }
            }
        }
        return rules.isEmpty() ? null : new Trial(limit, List.copyOf(rules));
    }

    /**
     * Whether the statement may change rows: by its own kind, by code it calls that may write (as
     * the policy judges such code), or by the prepared statement it executes.
     */
    public boolean changesRows(Classification c, Function<String, List<Classification>> preparedBodies) {
        List<Classification> all = new ArrayList<>();
        all.add(c);
        if (c.hasHazard(Hazard.RUNS_PREPARED)) {
            all.addAll(preparedBodies.apply(c.target() instanceof Target.Execute e ? e.name() : ""));
        }
        for (Classification one : all) {
            Classification judged = CodeEffects.judged(one, spec);
            if (judged.kind() == StatementKind.UNPARSEABLE) {
                return true;
            }
            for (StatementKind k : ROW_WRITES) {
                if (judged.hasEffect(k)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A trial the statement needs: more than {@code limit} rows changed makes a stricter rule match. */
    public record Trial(long limit, List<String> rules) {}

    private void evaluate(Classification written, List<Verdict.Match> matches, Long rowsChanged) {
        Classification c = CodeEffects.judged(written, spec);
        String code = c == written ? "" : " (" + CodeEffects.describe(c) + ")";
        if (c.kind() == StatementKind.UNPARSEABLE) {
            matches.add(new Verdict.Match(
                    spec.onUnparseableOrDefault(), "onUnparseable", "pgwarden cannot classify it: " + c.problem()));
        }
        guards(c, matches);
        if (readOnly) {
            for (StatementKind k : c.effectsInOrder()) {
                if (WRITES.contains(k)) {
                    matches.add(new Verdict.Match(
                            Action.Deny,
                            BuiltInRule.READ_ONLY,
                            "the policy grants read-only access and this statement " + describe(k) + code));
                    break;
                }
            }
        }
        boolean ruleMatched = false;
        for (StatementRule rule : spec.rulesOrEmpty()) {
            if (!matchesKinds(rule, c)) {
                continue;
            }
            if (rule.changesMoreThan() != null && (rowsChanged == null || rowsChanged <= rule.changesMoreThan())) {
                // Decided by a trial run: before it, or at or under the limit, the rule does not match.
                continue;
            }
            ruleMatched = true;
            matches.add(new Verdict.Match(
                    rule.action(),
                    rule.name(),
                    "it matches rule \"" + rule.name() + "\""
                            + (Boolean.TRUE.equals(rule.withoutWhere())
                                    ? " (an UPDATE or DELETE without a limiting WHERE)"
                                    : "")
                            + (rule.changesMoreThan() == null
                                    ? ""
                                    : rowsChanged == UNCOUNTED
                                            ? " (it cannot run as a trial, so it counts as changing more than "
                                                    + rule.changesMoreThan() + " rows)"
                                            : " (a trial run changed " + rowsChanged + " rows, more than "
                                                    + rule.changesMoreThan() + ")")
                            + code,
                    rule.changesMoreThan() == null || rowsChanged == UNCOUNTED ? null : rowsChanged));
        }
        if (!ruleMatched) {
            matches.add(new Verdict.Match(spec.defaultActionOrAllow(), "defaultAction", "no rule matches it"));
        }
    }

    private void guards(Classification c, List<Verdict.Match> matches) {
        if (c.hasHazard(Hazard.SERVER_PROGRAM)) {
            matches.add(new Verdict.Match(
                    Action.Deny,
                    BuiltInRule.SERVER_PROGRAMS,
                    "COPY ... PROGRAM runs a command on the database server"));
        }
        if (c.hasHazard(Hazard.SERVER_FILE)) {
            matches.add(new Verdict.Match(
                    Action.Deny,
                    BuiltInRule.SERVER_FILES,
                    "COPY to or from a file reads or writes files on the database server; use STDIN or STDOUT"));
        }
        if (c.hasHazard(Hazard.LOAD_LIBRARY)) {
            matches.add(new Verdict.Match(
                    Action.Deny, BuiltInRule.SERVER_LIBRARIES, "LOAD loads code into the database server"));
        }
        if (c.hasHazard(Hazard.IDENTITY_CHANGE)) {
            matches.add(new Verdict.Match(
                    Action.Deny,
                    BuiltInRule.IDENTITY,
                    "it would run later statements as a different role from the one pgwarden grants and audits"));
        }
        if (c.hasHazard(Hazard.PROTECTED_SETTING)) {
            matches.add(new Verdict.Match(
                    Action.Deny,
                    BuiltInRule.PROTECTED_SETTINGS,
                    "pgwarden relies on " + (c.target() instanceof Target.Setting s ? s.name() : "a setting")
                            + " keeping the value it set at connection"));
        }
        if (readOnly && c.hasHazard(Hazard.READ_WRITE_TRANSACTION)) {
            matches.add(new Verdict.Match(
                    Action.Deny,
                    BuiltInRule.READ_ONLY,
                    "the policy grants read-only access and this statement makes transactions read-write"));
        }
        for (String f : c.functions()) {
            DangerousFunctions.Guard g = DangerousFunctions.lookup(f);
            if (g != null && f.equals("set_config") && c.hasHazard(Hazard.SETTINGS_NAMED)) {
                continue; // judged as the SETs they are: the identity, read-only and protected-settings guards above
            }
            if (g != null) {
                matches.add(new Verdict.Match(g.action(), g.rule(), "it calls " + f + "(), and " + g.reason()));
            }
        }
    }

    private static boolean matchesKinds(StatementRule rule, Classification c) {
        if (rule.statements() == null || Boolean.TRUE.equals(rule.withoutWhere()) && !c.unbounded()) {
            return false;
        }
        for (StatementKind k : rule.statements()) {
            if (c.hasEffect(k)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(StatementKind k) {
        return switch (k) {
            case OTHER -> "is not a plain read";
            default -> "is a write (" + k + ")";
        };
    }
}
