package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the body of a DO block or of a function or procedure being created, to judge the code by
 * what it does rather than by its being code: SQL bodies statement by statement, PL/pgSQL bodies
 * statement by statement with their control structure set aside ({@code PERFORM} is a
 * {@code SELECT}, {@code FOR ... IN query LOOP} runs the query). A body that runs SQL built at run
 * time ({@code EXECUTE}), calls a procedure, or holds anything this reader does not know stays
 * opaque: the policy then counts it as every kind of write.
 */
final class CodeBodies {
    /** PL/pgSQL statements that only steer: their expressions are checked for calls, nothing runs. */
    private static final Set<String> CONTROL = Set.of(
            "begin",
            "end",
            "if",
            "elsif",
            "elseif",
            "else",
            "loop",
            "while",
            "exit",
            "continue",
            "return",
            "raise",
            "null",
            "get",
            "exception",
            "when",
            "case",
            "assert",
            "declare",
            "foreach",
            "then");

    private static final Set<String> SQL_STARTS =
            Set.of("select", "with", "insert", "update", "delete", "merge", "values", "table");

    private CodeBodies() {}

    /**
     * Folds what the body of a DO block or CREATE FUNCTION/PROCEDURE does into {@code f}: its
     * statements' effects and functions; {@code f.code} keeps a reason when the body stays opaque.
     *
     * @return whether the body was read whole (nothing opaque is left of it)
     */
    static boolean read(List<SqlToken> tokens, Facts f) {
        String language = CodeText.language(tokens);
        List<String> bodies = CodeText.bodies(tokens);
        if (bodies == null || !(language.equals("plpgsql") || language.equals("sql"))) {
            return false;
        }
        for (String body : bodies) {
            List<SqlToken> bodyTokens;
            try {
                bodyTokens = SqlLexer.tokenize(body);
            } catch (SqlLexer.LexException e) {
                return false;
            }
            List<List<SqlToken>> statements = statements(bodyTokens);
            boolean plpgsql = language.equals("plpgsql");
            boolean declaring = false;
            for (List<SqlToken> s : statements) {
                // A DECLARE section holds declarations (name type [:= expression], name CURSOR FOR query)
                // up to its block's BEGIN; everywhere else a piece is a statement.
                int first = 0;
                while (first < s.size()
                        && (s.get(first).isSymbol("<")
                                || s.get(first).isSymbol("<<")
                                || s.get(first).isSymbol(">>")
                                || s.get(first).isSymbol(">"))) {
                    first++;
                }
                if (plpgsql && first < s.size() && s.get(first).isWord("declare")) {
                    declaring = true;
                    if (!declaration(body, s.subList(first + 1, s.size()), f)) {
                        return false;
                    }
                    continue;
                }
                if (plpgsql && declaring && first < s.size() && !s.get(first).isWord("begin")) {
                    if (!declaration(body, s.subList(first, s.size()), f)) {
                        return false;
                    }
                    continue;
                }
                declaring = false;
                if (!absorb(body, s, plpgsql, f)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean absorb(String body, List<SqlToken> s, boolean plpgsql, Facts f) {
        int i = 0;
        // Labels (<<name>>) only name blocks.
        while (i < s.size()
                && (s.get(i).isSymbol("<")
                        || s.get(i).isSymbol("<<")
                        || s.get(i).isSymbol(">>")
                        || s.get(i).isSymbol(">")
                        || i + 1 < s.size() && s.get(i + 1).isSymbol(">>"))) {
            i++;
        }
        if (i >= s.size()) {
            return true;
        }
        SqlToken first = s.get(i);
        String w = first.type() == SqlToken.Type.WORD ? first.text() : "";
        if (!plpgsql) {
            // A SQL body holds SQL statements only: classify whatever it is.
            return statement(body.substring(first.start(), end(s)), f);
        }
        if (w.equals("execute") || w.equals("call") || w.equals("commit") || w.equals("rollback")) {
            // SQL built at run time, a procedure, or transaction control: out of sight.
            f.code.add(w.equals("execute") ? "dynamic SQL (EXECUTE) in code" : w.toUpperCase(Locale.ROOT) + " in code");
            return false;
        }
        if (w.equals("begin")
                || w.equals("declare")
                || w.equals("loop")
                || w.equals("else")
                || w.equals("exception")
                || w.equals("then")) {
            // A block or branch opens: what follows in the same piece is a statement of its own.
            return absorb(body, s.subList(i + 1, s.size()), true, f);
        }
        if (w.equals("if")
                || w.equals("elsif")
                || w.equals("elseif")
                || w.equals("while")
                || w.equals("when")
                || w.equals("case")) {
            int open = firstWord(s, i, "then", "loop");
            if (open < 0) {
                return expressions(s.subList(i, s.size()), f);
            }
            return expressions(s.subList(i, open), f) && absorb(body, s.subList(open + 1, s.size()), true, f);
        }
        if (w.equals("for") || w.equals("foreach")) {
            int loop = firstWord(s, i, "loop");
            int in = firstWord(s, i, "in");
            if (loop < 0 || in < 0 || in > loop) {
                return false;
            }
            boolean header;
            SqlToken q = in + 1 < loop ? s.get(in + 1) : null;
            if (q != null && q.isWord("execute")) {
                f.code.add("dynamic SQL (EXECUTE) in code");
                return false;
            } else if (q != null && q.type() == SqlToken.Type.WORD && SQL_STARTS.contains(q.text())) {
                header = statement(body.substring(q.start(), s.get(loop - 1).end()), f);
            } else {
                header = expressions(s.subList(i, loop), f); // FOR i IN 1..10, FOR r IN cursor_name
            }
            return header && absorb(body, s.subList(loop + 1, s.size()), true, f);
        }
        if (w.equals("open")) {
            int forAt = firstWord(s, i, "for");
            if (forAt < 0 || forAt + 1 >= s.size()) {
                return expressions(s.subList(i, s.size()), f); // OPEN a bound cursor: its query was declared
            }
            if (s.get(forAt + 1).isWord("execute")) {
                f.code.add("dynamic SQL (EXECUTE) in code");
                return false;
            }
            return statement(body.substring(s.get(forAt + 1).start(), end(s)), f);
        }
        if (w.equals("perform")) {
            return i + 1 < s.size()
                    && statement("SELECT " + body.substring(s.get(i + 1).start(), end(s)), f);
        }
        if (w.equals("return") && i + 1 < s.size() && s.get(i + 1).isWord("query")) {
            if (i + 2 >= s.size()) {
                return false;
            }
            if (s.get(i + 2).isWord("execute")) {
                f.code.add("dynamic SQL (EXECUTE) in code");
                return false;
            }
            return statement(body.substring(s.get(i + 2).start(), end(s)), f);
        }
        if (SQL_STARTS.contains(w)) {
            return statement(withoutInto(body, s, i), f);
        }
        if (CONTROL.contains(w) || w.equals("end") || w.equals("fetch") || w.equals("move") || w.equals("close")) {
            return expressions(s.subList(i, s.size()), f);
        }
        if (first.isName()
                && i + 1 < s.size()
                && (s.get(i + 1).isSymbol(":")
                        || s.get(i + 1).isSymbol(":=")
                        || s.get(i + 1).isSymbol("=")
                        || s.get(i + 1).isSymbol("[")
                        || s.get(i + 1).isSymbol(".")
                                && i + 3 < s.size()
                                && (s.get(i + 3).isSymbol(":=")
                                        || s.get(i + 3).isSymbol(":")
                                        || s.get(i + 3).isSymbol("=")))) {
            // An assignment: x := expression, r.f := expression, a[1] := expression.
            return expressions(s.subList(i, s.size()), f);
        }
        // Any other statement is SQL the classifier reads (DROP, TRUNCATE, GRANT, ...), or unreadable.
        return statement(body.substring(first.start(), end(s)), f);
    }

    /**
     * A declaration: its default expression may only call functions PostgreSQL ships; a cursor's
     * query is a statement the body may run. The declaration that ends at the block's BEGIN
     * ({@code x int; BEGIN DELETE ...} splits as {@code BEGIN DELETE ...} on its own) is not this.
     */
    private static boolean declaration(String body, List<SqlToken> s, Facts f) {
        if (s.isEmpty()) {
            return true;
        }
        int begin = -1;
        for (int k = 0; k < s.size(); k++) {
            if (s.get(k).isWord("begin") && s.get(k).depth() == s.get(0).depth()) {
                begin = k;
                break;
            }
        }
        if (begin >= 0) {
            // "DECLARE x int BEGIN ..." cannot be (a declaration ends with ';'), but a declaration-free
            // DECLARE followed by BEGIN can: what follows BEGIN is a statement.
            return declaration(body, s.subList(0, begin), f) && absorb(body, s.subList(begin + 1, s.size()), true, f);
        }
        int cursor = firstWord(s, 0, "cursor");
        int forAt = cursor < 0 ? -1 : firstWord(s, cursor, "for", "is");
        if (forAt >= 0 && forAt + 1 < s.size()) {
            return statement(body.substring(s.get(forAt + 1).start(), end(s)), f);
        }
        return expressions(s, f);
    }

    /** The first of {@code words} at the statement's own depth from {@code from}, or -1. */
    private static int firstWord(List<SqlToken> s, int from, String... words) {
        int depth = s.get(from).depth();
        for (int k = from + 1; k < s.size(); k++) {
            if (s.get(k).depth() == depth) {
                for (String w : words) {
                    if (s.get(k).isWord(w)) {
                        return k;
                    }
                }
            }
        }
        return -1;
    }

    /** A statement the body runs, judged as the classifier judges any statement. */
    private static boolean statement(String sql, Facts f) {
        Classification c = StatementClassifier.classify(sql);
        if (c.kind() == StatementKind.UNPARSEABLE) {
            f.code.add("a statement in code pgwarden cannot read");
            return false;
        }
        f.effects.addAll(c.effects());
        f.reads.addAll(c.reads());
        f.writes.addAll(c.writes());
        f.functions.addAll(c.functions());
        f.hazards.addAll(c.hazards());
        f.unbounded |= c.unbounded();
        if (c.runsCode()) {
            f.code.addAll(c.code());
            return false;
        }
        return true;
    }

    /** Expressions of a control statement: the calls in them must be functions PostgreSQL ships. */
    private static boolean expressions(List<SqlToken> s, Facts f) {
        Facts calls = new Facts(StatementKind.SELECT);
        OpaqueCode.mark(s, calls);
        for (int i = 0; i + 1 < s.size(); i++) {
            if (s.get(i).isName() && s.get(i + 1).isSymbol("(")) {
                f.functions.add(s.get(i).text());
            }
        }
        if (!calls.code.isEmpty()) {
            f.code.addAll(calls.code);
            return false;
        }
        return true;
    }

    /** PL/pgSQL's SELECT ... INTO target and ... RETURNING ... INTO target fill variables, not tables. */
    private static String withoutInto(String body, List<SqlToken> s, int from) {
        String sql = body.substring(s.get(from).start(), end(s));
        int into = indexOfWord(s, from, "into");
        if (into < 0
                || s.get(from).isWord("insert") && into == from + 1
                || s.get(from).isWord("merge")) {
            return sql;
        }
        int k = into + 1;
        if (k < s.size() && s.get(k).isWord("strict")) {
            k++;
        }
        // The target: names, dotted names and commas.
        while (k < s.size()
                && (s.get(k).isName() || s.get(k).isSymbol(".") || s.get(k).isSymbol(","))) {
            k++;
        }
        int base = s.get(from).start();
        String before = body.substring(base, s.get(into).start());
        String after = k < s.size() ? body.substring(s.get(k).start(), end(s)) : "";
        return before + " " + after;
    }

    private static int indexOfWord(List<SqlToken> s, int from, String word) {
        int depth = s.get(from).depth();
        for (int k = from; k < s.size(); k++) {
            if (s.get(k).depth() == depth && s.get(k).isWord(word)) {
                return k;
            }
        }
        return -1;
    }

    private static int end(List<SqlToken> s) {
        return s.get(s.size() - 1).end();
    }

    /** The body's statements, split at its semicolons. */
    private static List<List<SqlToken>> statements(List<SqlToken> tokens) {
        List<List<SqlToken>> out = new ArrayList<>();
        List<SqlToken> current = new ArrayList<>();
        for (SqlToken t : tokens) {
            if (t.isSymbol(";")) {
                if (!current.isEmpty()) {
                    out.add(current);
                }
                current = new ArrayList<>();
            } else {
                current.add(t);
            }
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }
}
