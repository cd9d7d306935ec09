package dev.pgwarden.sidecar.policy;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicySpec;
import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.api.v1alpha1.StatementRule;
import dev.pgwarden.sidecar.sql.Classification;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What code pgwarden cannot see into may do: anything. A statement that runs or plants such code
 * ({@link Classification#code()}) is judged as performing every kind of write, unbounded, so the
 * policy's rules about writes apply to it; ReadOnly denies it. A policy that trusts such code says
 * so with an Allow rule naming the kind: DO for DO blocks, CALL for procedures and functions
 * PostgreSQL does not ship, CREATE or ALTER for the objects that hold code.
 */
final class CodeEffects {
    /** Everything code can do to data, schema, privileges and the server. */
    static final Set<StatementKind> EVERY_WRITE = Collections.unmodifiableSet(EnumSet.of(
            StatementKind.INSERT,
            StatementKind.UPDATE,
            StatementKind.DELETE,
            StatementKind.MERGE,
            StatementKind.TRUNCATE,
            StatementKind.CREATE,
            StatementKind.ALTER,
            StatementKind.DROP,
            StatementKind.GRANT,
            StatementKind.REVOKE,
            StatementKind.CREATE_ROLE,
            StatementKind.ALTER_ROLE,
            StatementKind.DROP_ROLE,
            StatementKind.SETVAL,
            StatementKind.LOCK,
            StatementKind.NOTIFY));

    private CodeEffects() {}

    /** The statement as the policy judges it: with every write added when it runs untrusted code. */
    static Classification judged(Classification c, DatabaseAccessPolicySpec spec) {
        if (!c.runsCode() || trusted(c, spec)) {
            return c;
        }
        EnumSet<StatementKind> effects = EnumSet.copyOf(c.effects());
        effects.addAll(EVERY_WRITE);
        return new Classification(
                c.kind(),
                Collections.unmodifiableSet(effects),
                c.reads(),
                c.writes(),
                true,
                c.functions(),
                c.target(),
                c.hazards(),
                c.problem(),
                c.lineage(),
                c.code(),
                c.names());
    }

    /** Whether an Allow rule names the kind through which the statement runs its code. */
    private static boolean trusted(Classification c, DatabaseAccessPolicySpec spec) {
        for (String code : c.code()) {
            StatementKind through = code.startsWith("a DO block")
                    ? StatementKind.DO
                    : code.startsWith("CREATE ")
                            ? StatementKind.CREATE
                            : code.startsWith("ALTER ") ? StatementKind.ALTER : StatementKind.CALL;
            boolean allowed = false;
            for (StatementRule r : spec.rulesOrEmpty()) {
                allowed |= r.action() == Action.Allow
                        && r.statements() != null
                        && r.statements().contains(through)
                        && r.changesMoreThan() == null
                        && !Boolean.TRUE.equals(r.withoutWhere());
            }
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    /** One sentence on the code, for a verdict's reason. */
    static String describe(Classification c) {
        return "it runs code pgwarden cannot see into (" + String.join(", ", c.code()) + "), which counts as every kind"
                + " of write";
    }
}
