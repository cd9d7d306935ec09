package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;
import java.util.List;
import java.util.function.Consumer;
import net.sf.jsqlparser.parser.CCJSqlParser;

/**
 * Classifies one statement (already split from its Query). The leading keyword decides the kind
 * and which reader reads the rest: queries and data-changing statements ({@link QueryReader}, by
 * JSqlParser), schema changes ({@link DdlReader}), roles and privileges ({@link PrivilegeReader}),
 * session state ({@link SessionReader}), prepared statements ({@link PreparedStatementReader}),
 * cursors ({@link CursorReader}) and utility statements ({@link UtilityReader}), the last ones from
 * their tokens. Statements that embed another (EXPLAIN ANALYZE, PREPARE, DECLARE, COPY (query))
 * take in what the embedded statement does. Thread-safe and blocking: the proxy runs it on its
 * worker pool, never on an event loop.
 */
public final class StatementClassifier {
    private StatementClassifier() {}

    public static Classification classify(String sql) {
        return classify(sql, p -> {});
    }

    /** @param onParser receives each JSqlParser instance before it runs, so a watchdog can interrupt it */
    public static Classification classify(String sql, Consumer<CCJSqlParser> onParser) {
        List<SqlToken> tokens;
        try {
            tokens = SqlLexer.tokenize(sql);
        } catch (SqlLexer.LexException e) {
            return Classification.unparseable(e.getMessage());
        }
        if (tokens.isEmpty()) {
            return Classification.unparseable("empty statement");
        }
        try {
            requireOneStatement(tokens);
            StatementText text = new StatementText(sql, tokens, onParser);
            Facts f = read(text);
            FunctionCalls.collect(text, f);
            SettingCalls.read(tokens, f);
            OpaqueCode.mark(tokens, f);
            if (SqlLexer.declaresCode(tokens) && CodeBodies.read(tokens, f)) {
                // The body was read whole: the code is judged by what it does, not by being code.
                f.code.removeIf(
                        c -> c.equals("a DO block") || c.equals("CREATE FUNCTION") || c.equals("CREATE PROCEDURE"));
                if (createsFunction(tokens) && RowFunctions.takesARow(tokens)) {
                    // Its calls can look like columns (SELECT o.f FROM orders o): judged now, as code it plants.
                    f.code.add(
                            "CREATE FUNCTION of an argument that may be a row, which PostgreSQL also runs as row.name");
                }
            }
            return f.build().named(SqlNames.of(tokens));
        } catch (ParsedStatements.NotUnderstood e) {
            // Keep what the statement may write, so ReadOnly denies it and rules still see it.
            return Classification.unparseable(e.getMessage(), TokenScans.suspectedEffects(tokens))
                    .named(SqlNames.of(tokens));
        } catch (RuntimeException | StackOverflowError e) {
            // A bug or a pathological statement in pgwarden's own reading: never a reason to let it through.
            return Classification.unparseable(
                            "pgwarden's classifier failed on it ("
                                    + e.getClass().getSimpleName() + ")",
                            TokenScans.suspectedEffects(tokens))
                    .named(SqlNames.of(tokens));
        }
    }

    /** CREATE [OR REPLACE] FUNCTION (not PROCEDURE: a procedure is only ever CALLed). */
    private static boolean createsFunction(List<SqlToken> tokens) {
        int i = tokens.size() > 3 && tokens.get(1).isWord("or") && tokens.get(2).isWord("replace") ? 3 : 1;
        return tokens.get(0).isWord("create")
                && i < tokens.size()
                && tokens.get(i).isWord("function");
    }

    /**
     * A semicolon that ends a statement before the last token means the text holds more than one
     * statement (JSqlParser would read only the first). The splitter reads the same ends, so this
     * only guards callers that classify text they did not split.
     */
    private static void requireOneStatement(List<SqlToken> tokens) throws ParsedStatements.NotUnderstood {
        int last = tokens.size() - 1;
        while (last >= 0 && tokens.get(last).isSymbol(";")) {
            last--;
        }
        for (int end : StatementSplitter.ends(tokens)) {
            if (end < last) {
                throw new ParsedStatements.NotUnderstood("it holds more than one statement");
            }
        }
    }

    /** The reader of each leading keyword. */
    private static Facts read(StatementText t) throws ParsedStatements.NotUnderstood {
        SqlToken first = t.tokens.get(0);
        String w = first.type() == SqlToken.Type.WORD ? first.text() : first.isSymbol("(") ? "(" : "";
        return switch (w) {
            case "select", "values", "table", "(" -> QueryReader.parsed(t, StatementKind.SELECT);
            case "with" -> QueryReader.with(t);
            case "insert" -> QueryReader.parsed(t, StatementKind.INSERT);
            case "update" -> QueryReader.parsed(t, StatementKind.UPDATE);
            case "delete" -> QueryReader.parsed(t, StatementKind.DELETE);
            case "merge" -> QueryReader.merge(t);
            case "create", "alter", "drop" -> {
                Facts roles = PrivilegeReader.roleStatement(t);
                yield roles != null ? roles : DdlReader.objectStatement(t);
            }
            case "truncate" -> DdlReader.truncate(t);
            case "comment", "security" -> new Facts(StatementKind.ALTER);
            case "import" -> new Facts(StatementKind.CREATE);
            case "grant" -> PrivilegeReader.grant();
            case "revoke" -> PrivilegeReader.revoke();
            case "reassign" -> PrivilegeReader.reassign();
            case "set" -> SessionReader.set(t);
            case "reset" -> SessionReader.reset(t);
            case "show" -> SessionReader.show(t);
            case "discard" -> SessionReader.discard(t);
            case "begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release" ->
                SessionReader.transaction(t);
            case "prepare" -> PreparedStatementReader.prepare(t);
            case "execute" -> PreparedStatementReader.execute(t);
            case "deallocate" -> PreparedStatementReader.deallocate(t);
            case "declare" -> CursorReader.declare(t);
            case "fetch", "move", "close" -> CursorReader.operation(t);
            case "copy" -> UtilityReader.copy(t);
            case "explain" -> UtilityReader.explain(t);
            case "call" -> UtilityReader.call(t);
            case "load" -> UtilityReader.load();
            case "do" -> new Facts(StatementKind.DO);
            case "lock" -> UtilityReader.lock(t);
            case "cluster", "reindex", "checkpoint", "refresh" -> new Facts(StatementKind.OTHER);
            case "listen", "unlisten" -> new Facts(StatementKind.LISTEN);
            case "notify" -> new Facts(StatementKind.NOTIFY);
            case "vacuum" -> new Facts(StatementKind.VACUUM);
            case "analyze", "analyse" -> new Facts(StatementKind.ANALYZE);
            default ->
                throw new ParsedStatements.NotUnderstood(
                        "pgwarden does not know statements starting with '" + (w.isEmpty() ? first.text() : w) + "'");
        };
    }
}
