package dev.pgwarden.sidecar.masking.catalog;

import dev.pgwarden.sidecar.sql.PgFunctions;
import dev.pgwarden.sidecar.sql.SqlLexer;
import dev.pgwarden.sidecar.sql.SqlToken;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which user functions may return masked values, and why, read from their bodies: a function that
 * reads no masked relation, runs no SQL built at run time and calls no such function returns its
 * real result; any other is refused by name when a statement calls it, since what it returns
 * cannot be traced (the alternative, masking whatever it returns, answers with values that are
 * silently wrong).
 *
 * <p>Where the database's own wall stands (the session's role cannot read a single masked column
 * of a masked table), a function that runs as its caller reads those tables through the masking
 * views or not at all, so only the views over masked columns that run as their owner count for
 * it. A function that runs as its owner ({@code SECURITY DEFINER}) reads what the owner reads.
 */
final class FunctionReads {
    /** The languages pgwarden reads: others (C, PL/Python, ...) may do anything. */
    private static final Set<String> READABLE = Set.of("sql", "plpgsql");

    /** A function of the database that no extension owns, with its body as pg_proc has it. */
    record UserFunction(String schema, String name, boolean securityDefiner, String language, String body) {}

    private FunctionReads() {}

    /**
     * @param maskedTables the bare and qualified names of tables with masked columns
     * @param maskedViews the bare and qualified names of views deriving from masked columns (not
     *     pgwarden's masking views, which hold masked values)
     * @param wallStands whether the session's role can read no masked column of a masked table
     * @return by bare function name: why a function of that name may return masked values (one
     *     overload that may is enough)
     */
    static Map<String, String> mayReturnMasked(
            List<UserFunction> functions, Set<String> maskedTables, Set<String> maskedViews, boolean wallStands) {
        Map<String, String> why = new HashMap<>();
        Map<UserFunction, Set<String>> calls = new HashMap<>();
        Set<String> names = new HashSet<>();
        functions.forEach(f -> names.add(f.name()));
        for (UserFunction f : functions) {
            Set<String> exposed = new HashSet<>(maskedViews);
            if (f.securityDefiner() || !wallStands) {
                exposed.addAll(maskedTables);
            }
            Set<String> callees = new HashSet<>();
            String reason = direct(f, exposed, names, callees);
            calls.put(f, callees);
            if (reason != null) {
                why.putIfAbsent(f.name(), f.name() + "() " + reason);
            }
        }
        // What a function calls it may return: follow calls until nothing changes.
        boolean changed = true;
        while (changed) {
            changed = false;
            for (UserFunction f : functions) {
                if (why.containsKey(f.name())) {
                    continue;
                }
                for (String callee : calls.get(f)) {
                    if (why.containsKey(callee)) {
                        why.put(f.name(), f.name() + "() calls " + callee + "(), which may return masked values");
                        changed = true;
                        break;
                    }
                }
            }
        }
        return why;
    }

    /** Why {@code f} itself may return masked values, or null; the user functions it calls go into {@code callees}. */
    private static String direct(UserFunction f, Set<String> exposed, Set<String> userFunctions, Set<String> callees) {
        if (!READABLE.contains(f.language())) {
            return "is written in LANGUAGE " + f.language() + ", which pgwarden cannot read";
        }
        List<SqlToken> tokens;
        try {
            tokens = SqlLexer.tokenize(f.body() == null ? "" : f.body());
        } catch (SqlLexer.LexException e) {
            return "has a body pgwarden cannot read";
        }
        String reads = null;
        boolean dynamic = false;
        for (int i = 0; i < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            if (!t.isName()) {
                continue;
            }
            String name = t.text();
            boolean qualified = i + 2 < tokens.size()
                    && tokens.get(i + 1).isSymbol(".")
                    && tokens.get(i + 2).isName();
            String full = qualified ? name + "." + tokens.get(i + 2).text() : name;
            String last = qualified ? tokens.get(i + 2).text() : name;
            if (reads == null && (exposed.contains(full) || exposed.contains(last))) {
                reads = full;
            }
            boolean call = i + (qualified ? 3 : 1) < tokens.size()
                    && tokens.get(i + (qualified ? 3 : 1)).isSymbol("(");
            if (call && userFunctions.contains(last)) {
                callees.add(last);
            }
            // PL/pgSQL's EXECUTE runs a string; SQL's runs a prepared statement: either way, unseen SQL.
            // A cursor it FETCHes from may be one the caller opened over anything (a refcursor argument).
            dynamic |= t.isWord("execute")
                    || t.isWord("fetch")
                    || t.isWord("refcursor")
                    || call
                            && (PgFunctions.has(last, PgFunctions.Trait.RUNS_SQL_TEXT)
                                    || PgFunctions.has(last, PgFunctions.Trait.OTHER_DATABASES));
            if (qualified) {
                i += 2;
            }
        }
        if (reads != null) {
            return "reads " + reads + (f.securityDefiner() ? " as its owner (SECURITY DEFINER)" : "");
        }
        if (dynamic && !exposed.isEmpty()) {
            return "runs SQL built at run time or reads a cursor it is given, which may read masked columns";
        }
        return null;
    }
}
