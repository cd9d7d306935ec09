package dev.pgwarden.sidecar.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a simple-protocol Query string into its statements the way the server will: on the
 * semicolons {@link SqlLexer} finds outside literals, quoted identifiers, dollar-quoted bodies and
 * comments, and outside the SQL-standard {@code BEGIN ATOMIC ... END} body of a CREATE FUNCTION or
 * PROCEDURE. Built on the lexer so that splitting and classification read the text identically.
 * Statements that are only blanks and comments are dropped, as the server drops them.
 */
public final class StatementSplitter {
    private StatementSplitter() {}

    public static List<String> split(String sql) {
        List<SqlToken> tokens;
        try {
            tokens = SqlLexer.tokenize(sql);
        } catch (SqlLexer.LexException e) {
            // PostgreSQL rejects the whole Query before running any of it: one piece, which the
            // classifier finds unparseable for the same reason.
            String whole = sql.strip();
            return whole.isEmpty() ? List.of() : List.of(whole);
        }
        List<String> out = new ArrayList<>(1);
        int pieceStart = 0;
        int firstToken = 0;
        for (int end : ends(tokens)) {
            if (end > firstToken) {
                out.add(sql.substring(pieceStart, tokens.get(end).start()).strip());
            }
            pieceStart = tokens.get(end).end();
            firstToken = end + 1;
        }
        if (tokens.size() > firstToken) {
            out.add(sql.substring(pieceStart).strip());
        }
        return out;
    }

    /**
     * The indexes of the semicolon tokens that end statements, not those inside a BEGIN ATOMIC body.
     * PostgreSQL's grammar reads such a body as {@code BEGIN ATOMIC (statement ;)* END}: the body
     * ends at an END that starts a statement of the body, and at no other END (a CASE's END, or a
     * column labelled {@code end}, belongs to the statement it is in). Any keyword may label a
     * column ({@code SELECT 1 AS case}), so counting CASE and END would end the body in the wrong
     * place; where a statement starts cannot be disguised.
     */
    static List<Integer> ends(List<SqlToken> tokens) {
        List<Integer> ends = new ArrayList<>(1);
        int firstToken = 0;
        int atomicDepth = 0;
        boolean bodyStatementStart = false;
        for (int i = 0; i < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            boolean startsBodyStatement = false;
            if (t.isSymbol(";")) {
                if (atomicDepth == 0) {
                    ends.add(i);
                    firstToken = i + 1;
                } else {
                    startsBodyStatement = true;
                }
            } else if (atomicDepth > 0 && bodyStatementStart && t.isWord("end")) {
                atomicDepth--;
            } else if (t.isWord("atomic")
                    && i > firstToken
                    && tokens.get(i - 1).isWord("begin")
                    && SqlLexer.declaresCode(tokens.subList(firstToken, i))) {
                atomicDepth++;
                startsBodyStatement = true;
            }
            bodyStatementStart = startsBodyStatement;
        }
        return ends;
    }
}
