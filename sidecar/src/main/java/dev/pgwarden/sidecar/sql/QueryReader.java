package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;

/**
 * Reads queries and data-changing statements (SELECT, VALUES, TABLE, WITH, INSERT, UPDATE, DELETE,
 * MERGE): JSqlParser reads their structure from {@link ParserText}, the tokens add what its tree
 * does not hold.
 */
final class QueryReader {
    private QueryReader() {}

    /** WITH ... INSERT/UPDATE/DELETE/MERGE is that statement, not a query. */
    static Facts with(StatementText t) throws ParsedStatements.NotUnderstood {
        StatementKind main = TokenScans.mainKindAfterWith(t.tokens);
        return main == StatementKind.MERGE ? merge(t) : parsed(t, main);
    }

    /**
     * A query or data-changing statement, read by JSqlParser from {@link ParserText}. JSqlParser
     * does not know every PostgreSQL expression (prefix operators, OPERATOR(...), ...); a query that
     * mentions no data change is then read from its tokens, since all it can do beyond reading is
     * call functions (found from tokens anyway), SELECT INTO and lock rows, both scanned below.
     */
    static Facts parsed(StatementText t, StatementKind kind) throws ParsedStatements.NotUnderstood {
        Facts f = new Facts(kind);
        try {
            ParsedStatements.analyze(ParserText.of(t.sql, t.tokens), f, t.onParser());
        } catch (ParsedStatements.NotUnderstood e) {
            if (kind != StatementKind.SELECT || !e.syntax || TokenScans.mentionsDataChange(t.tokens)) {
                throw e;
            }
            f = new Facts(kind);
        }
        if (kind == StatementKind.SELECT) {
            if (TokenScans.selectsInto(t.tokens)) {
                f.effects.add(StatementKind.CREATE);
            }
            if (TokenScans.locksRows(t.tokens)) {
                // Row locks write to the rows and can block every writer: not a plain read.
                f.effects.add(StatementKind.OTHER);
            }
        }
        return f;
    }

    /** MERGE's WHEN clauses update, delete and insert; JSqlParser's tree is read for ON. */
    static Facts merge(StatementText t) throws ParsedStatements.NotUnderstood {
        Facts f = new Facts(StatementKind.MERGE);
        boolean bySource = TokenScans.mergeActions(t.tokens, f);
        ParsedStatements.analyze(ParserText.of(t.sql, t.tokens), f, t.onParser());
        if (bySource && (f.effects.contains(StatementKind.UPDATE) || f.effects.contains(StatementKind.DELETE))) {
            f.unbounded = true;
        }
        return f;
    }
}
