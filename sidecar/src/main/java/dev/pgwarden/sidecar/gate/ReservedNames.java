package dev.pgwarden.sidecar.gate;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.policy.BuiltInRule;
import dev.pgwarden.sidecar.policy.Verdict;
import dev.pgwarden.sidecar.protocol.message.ServerNames;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.SqlLexer;
import dev.pgwarden.sidecar.sql.SqlToken;
import dev.pgwarden.sidecar.sql.Target;
import java.util.ArrayList;
import java.util.List;

/**
 * The names pgwarden gives what it runs on the agent's session: the savepoint of a trial, its
 * counts' statement and portal, the syntax check's statement and savepoint. A statement of the
 * agent's that names one of them in SQL (a {@code RELEASE} or {@code ROLLBACK TO} of the trial's
 * savepoint, a second {@code SAVEPOINT} of that name that a rollback would stop at, a
 * {@code DEALLOCATE} or {@code PREPARE} of a count's name read from {@code pg_prepared_statements})
 * could settle a trial or run as one of pgwarden's own, so it is refused. Names are compared as
 * the server keys them: folded, and a longer name is still one of these when its start is.
 */
final class ReservedNames {
    /** How every name pgwarden gives on the session starts. */
    static final String PREFIX = "pgwarden_";

    private ReservedNames() {}

    /** The verdict, with a denial added when the statement names one of pgwarden's own. */
    static Verdict guard(Verdict v, Classification c, String sql) {
        String name = named(c, sql);
        return name == null ? v : denied(v, "it names " + name);
    }

    /** The verdict, with a denial added when a Parse names its statement as pgwarden names its own. */
    static Verdict guardProtocolName(Verdict v, String name) {
        return reserved(ServerNames.ofProtocolName(name)) ? denied(v, "it prepares statement " + name) : v;
    }

    private static Verdict denied(Verdict v, String what) {
        List<Verdict.Match> all = new ArrayList<>(v.matched());
        all.add(new Verdict.Match(
                Action.Deny,
                BuiltInRule.RESERVED_NAMES,
                what + ", and names starting with " + PREFIX
                        + " are pgwarden's own (its trials' savepoints and counts); choose another name"));
        return Verdict.of(all);
    }

    /** The reserved name the statement uses, or null. */
    static String named(Classification c, String sql) {
        if (c == null) {
            return null;
        }
        String target = targetName(c.target());
        if (reserved(target)) {
            return target;
        }
        if (sql != null && c.kind() == StatementKind.TRANSACTION && mayName(sql)) {
            return savepointName(sql);
        }
        return null;
    }

    private static String targetName(Target t) {
        if (t instanceof Target.Prepare p) {
            return p.name();
        }
        if (t instanceof Target.Execute e) {
            return e.name();
        }
        if (t instanceof Target.Deallocate d) {
            return d.name();
        }
        if (t instanceof Target.Cursor k) {
            return k.name();
        }
        if (t instanceof Target.CloseCursor k) {
            return k.name();
        }
        return null;
    }

    /**
     * Cheap test before lexing, so BEGIN and COMMIT cost nothing: a reserved name is spelled with
     * "pgwarden" in some case, or with U& escapes.
     */
    private static boolean mayName(String sql) {
        if (sql.indexOf('&') >= 0) {
            return true;
        }
        for (int i = 0; i + 8 <= sql.length(); i++) {
            if (sql.regionMatches(true, i, "pgwarden", 0, 8)) {
                return true;
            }
        }
        return false;
    }

    /** A reserved name among the names of a SAVEPOINT, RELEASE or ROLLBACK TO (any name it holds). */
    private static String savepointName(String sql) {
        try {
            for (SqlToken t : SqlLexer.tokenize(sql)) {
                if (t.isName() && reserved(t.text())) {
                    return t.text();
                }
            }
        } catch (SqlLexer.LexException e) {
            return null;
        }
        return null;
    }

    private static boolean reserved(String name) {
        return name != null && name.startsWith(PREFIX);
    }
}
