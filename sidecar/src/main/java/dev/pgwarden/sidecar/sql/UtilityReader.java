package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.sql.Classification.Hazard;
import java.util.Set;

/**
 * Reads the utility statements that need more than their kind: COPY (where its data comes from
 * and goes), EXPLAIN (which runs its statement with ANALYZE), CALL (the procedure it calls) and
 * LOAD (a library loaded into the server).
 */
final class UtilityReader {
    private UtilityReader() {}

    /** COPY table|(query) TO|FROM STDOUT|STDIN|'file'|PROGRAM 'cmd'. */
    static Facts copy(StatementText t) throws ParsedStatements.NotUnderstood {
        var tokens = t.tokens;
        int i = 1;
        Classification query = null;
        String table = null;
        if (i < tokens.size() && tokens.get(i).isSymbol("(")) {
            int close = t.closingParenthesis(i);
            query = t.embedded(tokens.get(i + 1).start(), tokens.get(close).start());
            i = close + 1;
        } else {
            table = t.qualifiedName(i);
            while (i < tokens.size()
                    && !(tokens.get(i).depth() == 0
                            && (tokens.get(i).isWord("to") || tokens.get(i).isWord("from")))) {
                i++;
            }
        }
        if (i >= tokens.size() || !(tokens.get(i).isWord("to") || tokens.get(i).isWord("from"))) {
            throw new ParsedStatements.NotUnderstood("COPY without TO or FROM");
        }
        boolean to = tokens.get(i).isWord("to");
        Facts f = new Facts(to ? StatementKind.COPY_TO : StatementKind.COPY_FROM);
        if (query != null) {
            f.absorb(query);
        }
        if (table != null) {
            (to ? f.reads : f.writes).add(table);
        }
        if (!to) {
            // COPY FROM inserts rows (and fires the table's INSERT triggers): rules about INSERT
            // apply to it, changesMoreThan included (it cannot run as a trial, so it counts as over).
            f.effects.add(StatementKind.INSERT);
        }
        SqlToken target = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
        if (target == null) {
            throw new ParsedStatements.NotUnderstood("COPY without a source or destination");
        }
        if (target.isWord("program")) {
            f.hazards.add(Hazard.SERVER_PROGRAM);
        } else if (!(target.isWord("stdout") || target.isWord("stdin"))) {
            f.hazards.add(Hazard.SERVER_FILE);
        }
        return f;
    }

    /**
     * EXPLAIN [ANALYZE] [VERBOSE] stmt, or EXPLAIN (option [value], ...) stmt. With ANALYZE the
     * statement runs, so its effects count; an ANALYZE option counts whatever value it is given,
     * since values are literals and statements differing only in literals share a classification.
     */
    static Facts explain(StatementText t) throws ParsedStatements.NotUnderstood {
        var tokens = t.tokens;
        int i = 1;
        boolean analyze = false;
        if (i < tokens.size() && tokens.get(i).isSymbol("(")) {
            int close = t.closingParenthesis(i);
            for (int j = i + 1; j < close; j++) {
                // An option's name may be quoted or U&-escaped ("analyze", U&"\0061nalyze"): compared as resolved.
                SqlToken option = tokens.get(j);
                analyze |= option.isName()
                        && (option.text().equals("analyze") || option.text().equals("analyse"));
            }
            i = close + 1;
        } else {
            while (Set.of("analyze", "analyse", "verbose").contains(t.word(i))) {
                analyze |= !t.word(i).equals("verbose");
                i++;
            }
        }
        if (i >= tokens.size()) {
            throw new ParsedStatements.NotUnderstood("EXPLAIN without a statement");
        }
        Classification inner = t.embeddedFrom(i);
        Facts f = new Facts(StatementKind.EXPLAIN);
        if (inner.kind() == StatementKind.UNPARSEABLE) {
            throw new ParsedStatements.NotUnderstood(inner.problem());
        }
        if (analyze) {
            f.absorb(inner);
        } else {
            f.reads.addAll(inner.reads());
            f.reads.addAll(inner.writes());
        }
        // EXPLAIN prints a plan, not the statement's rows; with ANALYZE its writes still happen.
        f.lineage = inner.lineage() == null ? null : inner.lineage().withoutResults();
        return f;
    }

    static Facts call(StatementText t) {
        Facts f = new Facts(StatementKind.CALL);
        String name = t.qualifiedName(1);
        if (name != null) {
            f.functions.add(name.substring(name.lastIndexOf('.') + 1));
        }
        return f;
    }

    static Facts load() {
        Facts f = new Facts(StatementKind.OTHER);
        f.hazards.add(Hazard.LOAD_LIBRARY);
        return f;
    }

    /**
     * LOCK [TABLE] name [IN mode MODE] [NOWAIT]: a LOCK, a write kind rules can name, unless the mode
     * is ACCESS SHARE or ROW SHARE (what SELECT and SELECT FOR UPDATE take: they stop no one's reads).
     * Without a mode it is ACCESS EXCLUSIVE.
     */
    static Facts lock(StatementText t) {
        var tokens = t.tokens;
        for (int i = 0; i + 2 < tokens.size(); i++) {
            if (tokens.get(i).isWord("in")
                    && (tokens.get(i + 1).isWord("access") || tokens.get(i + 1).isWord("row"))
                    && tokens.get(i + 2).isWord("share")
                    && i + 3 < tokens.size()
                    && tokens.get(i + 3).isWord("mode")) {
                return new Facts(StatementKind.OTHER);
            }
        }
        Facts f = new Facts(StatementKind.LOCK);
        for (int i = 1; i < tokens.size(); i++) {
            if (tokens.get(i).isName()
                    && !tokens.get(i).isWord("table")
                    && !tokens.get(i).isWord("only")) {
                f.writes.add(Identifiers.fold(tokens.get(i).text()));
                break;
            }
        }
        return f;
    }
}
