package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.sql.Classification.Hazard;

/**
 * Reads the SQL-level prepared statements: PREPARE (classified by its body, which EXECUTE runs),
 * EXECUTE (judged by that body, which the session remembers) and DEALLOCATE.
 */
final class PreparedStatementReader {
    private PreparedStatementReader() {}

    /** PREPARE name [(types)] AS stmt: prepares without running; EXECUTE runs the body. */
    static Facts prepare(StatementText t) throws ParsedStatements.NotUnderstood {
        // PREPARE TRANSACTION 'gid' (two-phase commit); PREPARE transaction AS ... names a statement.
        if (t.tokens.size() > 2
                && t.tokens.get(1).isWord("transaction")
                && t.tokens.get(2).type() == SqlToken.Type.STRING) {
            return new Facts(StatementKind.TRANSACTION);
        }
        Facts f = new Facts(StatementKind.PREPARE);
        f.target = new Target.Prepare(t.word(1));
        var tokens = t.tokens;
        int as = -1;
        for (int i = 2; i < tokens.size(); i++) {
            if (tokens.get(i).depth() == 0 && tokens.get(i).isWord("as")) {
                as = i;
                break;
            }
        }
        if (as < 0 || as + 1 >= tokens.size()) {
            throw new ParsedStatements.NotUnderstood("PREPARE without AS and a statement");
        }
        Classification body = t.embeddedFrom(as + 1);
        if (body.kind() == StatementKind.UNPARSEABLE) {
            throw new ParsedStatements.NotUnderstood("the prepared statement: " + body.problem());
        }
        f.reads.addAll(body.reads());
        f.writes.addAll(body.writes());
        f.functions.addAll(body.functions());
        // The body's effects are what EXECUTE will do; the policy judges PREPARE by them too.
        f.effects.addAll(body.effects());
        f.hazards.addAll(body.hazards());
        f.unbounded = body.unbounded();
        // EXECUTE returns what the body returns: masking reads it from here.
        f.lineage = body.lineage();
        return f;
    }

    static Facts execute(StatementText t) {
        Facts f = new Facts(StatementKind.EXECUTE);
        f.target = new Target.Execute(t.word(1));
        f.hazards.add(Hazard.RUNS_PREPARED);
        return f;
    }

    /** DEALLOCATE forgets a prepared statement: counted with PREPARE, so ReadOnly allows it. */
    static Facts deallocate(StatementText t) {
        Facts f = new Facts(StatementKind.PREPARE);
        // DEALLOCATE [PREPARE] name | ALL: "DEALLOCATE prepare" frees the statement named prepare, and
        // a quoted "all" is a name, as PostgreSQL reads them.
        int i = t.tokens.size() > 2 && t.tokens.get(1).isWord("prepare") ? 2 : 1;
        f.target = new Target.Deallocate(i < t.tokens.size() && t.tokens.get(i).isWord("all") ? null : t.word(i));
        return f;
    }
}
