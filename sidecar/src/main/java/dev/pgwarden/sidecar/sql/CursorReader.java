package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;

/**
 * Reads cursor statements: DECLARE (classified by its query, which runs as it is fetched), and
 * FETCH, MOVE and CLOSE, whose target names the cursor so masking can find its query.
 */
final class CursorReader {
    private CursorReader() {}

    /** DECLARE name [options] CURSOR [WITH[OUT] HOLD] FOR query: the query runs as it is fetched. */
    static Facts declare(StatementText t) throws ParsedStatements.NotUnderstood {
        var tokens = t.tokens;
        Facts f = new Facts(StatementKind.DECLARE);
        f.target = tokens.size() > 1 && tokens.get(1).isName()
                ? new Target.Cursor(tokens.get(1).text())
                : null;
        for (int i = 2; i + 1 < tokens.size(); i++) {
            if (tokens.get(i).depth() == 0 && tokens.get(i).isWord("for")) {
                Classification query = t.embeddedFrom(i + 1);
                if (query.kind() == StatementKind.UNPARSEABLE) {
                    throw new ParsedStatements.NotUnderstood("the cursor's query: " + query.problem());
                }
                f.absorb(query);
                return f;
            }
        }
        throw new ParsedStatements.NotUnderstood("DECLARE without FOR and a query");
    }

    /**
     * FETCH/MOVE [direction] [FROM|IN] cursor, CLOSE cursor|ALL: the cursor's name is the last name.
     * CLOSE only releases a cursor: a cursor operation like FETCH, so ReadOnly allows it.
     */
    static Facts operation(StatementText t) {
        var tokens = t.tokens;
        Facts f = new Facts(StatementKind.FETCH);
        SqlToken last = tokens.get(tokens.size() - 1);
        if (last.isSymbol(";") && tokens.size() > 1) {
            last = tokens.get(tokens.size() - 2);
        }
        if (!last.isName()) {
            return f;
        }
        // ALL, quoted or not: forgetting every cursor's plan is the safe side.
        boolean close = tokens.get(0).isWord("close");
        f.target = !close
                ? new Target.Cursor(last.text())
                : new Target.CloseCursor(last.text().equals("all") ? null : last.text());
        return f;
    }
}
