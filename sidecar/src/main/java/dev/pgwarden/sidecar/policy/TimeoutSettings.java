package dev.pgwarden.sidecar.policy;

import dev.pgwarden.api.policy.SessionLimits;
import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.sidecar.sql.SqlLexer;
import dev.pgwarden.sidecar.sql.SqlToken;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds where a statement gives one of the timeouts a policy limits a new value, and says why
 * that is refused: above the limit, 0 (off), or a value pgwarden cannot read. Covered: SET [SESSION
 * | LOCAL] name {TO | =} value, the SET clause of ALTER ROLE / USER / DATABASE / SYSTEM and of
 * CREATE / ALTER FUNCTION and PROCEDURE, and {@code set_config('name', value, ...)} with the value
 * a literal or a bound parameter; each also inside string and dollar-quoted bodies (a DO block, a
 * function's body). RESET, SET ... TO DEFAULT, RESET ALL and DISCARD ALL are allowed: they return
 * to the value pgwarden sets in the startup packet, which is the session's default.
 *
 * <p>Not covered, by design: SQL built at run time (EXECUTE of a concatenated string in PL/pgSQL,
 * a setting named through a variable). The proxy's own watch ({@code StatementWatch}) cancels a
 * statement that runs past the limit and ends a session idle in a transaction past it, whatever
 * the session's settings say, so these guards give a clear early error and the watch keeps the
 * promise.
 */
public final class TimeoutSettings {
    /** Statement texts nested in strings are followed this deep (a DO block's EXECUTE of a string ...). */
    private static final int MAX_DEPTH = 3;

    private record Guarded(String setting, String limitName, long limitMillis) {}

    private TimeoutSettings() {}

    /**
     * @param parameters the bound parameters of an Execute ($1 is the first), or null for a Parse,
     *     whose parameters are judged at Execute (a value given as one is refused when not bound)
     * @return why the statement is refused (naming the limit), or null when it keeps every limit
     */
    public static String refusal(String sql, List<String> parameters, SessionLimits limits) {
        if (sql == null
                || limits.statementTimeoutMillis() <= 0 && limits.idleInTransactionMillis() <= 0
                || !mayName(sql)) {
            return null;
        }
        return scan(sql, parameters, limits, 0);
    }

    /**
     * The verdict with the timeout guards' denial added when the statement would raise or turn off
     * a limited timeout (rule {@code limits.statementTimeout} or {@code limits.idleInTransactionTimeout}).
     */
    public static Verdict guard(Verdict v, String sql, List<String> parameters, SessionLimits limits) {
        String why = refusal(sql, parameters, limits);
        if (why == null) {
            return v;
        }
        List<Verdict.Match> all = new ArrayList<>(v.matched());
        all.add(new Verdict.Match(
                Action.Deny,
                why.contains("limits.statementTimeout") ? "limits.statementTimeout" : "limits.idleInTransactionTimeout",
                why));
        return Verdict.of(all);
    }

    /** Cheap test before lexing: every spelling of the settings holds "timeout" or a U& escape. */
    private static boolean mayName(String sql) {
        return sql.toLowerCase(Locale.ROOT).contains("timeout") || sql.indexOf('&') >= 0;
    }

    private static String scan(String sql, List<String> parameters, SessionLimits limits, int depth) {
        List<SqlToken> tokens;
        try {
            tokens = SqlLexer.tokenize(sql);
        } catch (SqlLexer.LexException e) {
            // The classifier refuses a statement that does not lex; a string that does not is no SQL body.
            return null;
        }
        for (int i = 0; i < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            if (t.type() == SqlToken.Type.STRING && depth < MAX_DEPTH && mayName(t.text())) {
                String body = stringBody(t.text());
                if (body != null && !isSetConfigName(tokens, i)) {
                    String nested = scan(body, null, limits, depth + 1);
                    if (nested != null) {
                        return nested;
                    }
                }
            }
            Guarded g = guarded(t, tokens, i, limits);
            if (g == null) {
                continue;
            }
            String why = isSetConfigName(tokens, i) ? setConfigValue(tokens, i, parameters, g) : setValue(tokens, i, g);
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    /** The limited setting token {@code i} names (a name, or set_config's literal first argument), or null. */
    private static Guarded guarded(SqlToken t, List<SqlToken> tokens, int i, SessionLimits limits) {
        String name;
        if (t.isName()) {
            name = t.text().toLowerCase(Locale.ROOT);
        } else if (isSetConfigName(tokens, i)) {
            String body = plainString(t.text());
            name = body == null ? null : body.trim().toLowerCase(Locale.ROOT);
        } else {
            return null;
        }
        if ("statement_timeout".equals(name) && limits.statementTimeoutMillis() > 0) {
            return new Guarded(name, "limits.statementTimeout", limits.statementTimeoutMillis());
        }
        if ("idle_in_transaction_session_timeout".equals(name) && limits.idleInTransactionMillis() > 0) {
            return new Guarded(name, "limits.idleInTransactionTimeout", limits.idleInTransactionMillis());
        }
        return null;
    }

    /** {@code name {TO | =} value}: SET, SET LOCAL, ALTER ... SET, a function's SET clause. */
    private static String setValue(List<SqlToken> tokens, int i, Guarded g) {
        if (i + 1 >= tokens.size()
                || !(tokens.get(i + 1).isWord("to") || tokens.get(i + 1).isSymbol("="))) {
            return null; // RESET name, SHOW name, SET name FROM CURRENT, a mention in a query
        }
        if (i + 2 >= tokens.size()) {
            return null; // PostgreSQL's own syntax error
        }
        SqlToken v = tokens.get(i + 2);
        if (v.isWord("default")) {
            return null; // the session's default: the value pgwarden set at connection
        }
        String text =
                switch (v.type()) {
                    case NUMBER, WORD, QUOTED_IDENTIFIER -> v.text();
                    case STRING -> plainString(v.text());
                    default -> null;
                };
        boolean single = i + 3 >= tokens.size()
                || !tokens.get(i + 3).isSymbol(",") && !tokens.get(i + 3).isSymbol("::");
        if (text == null || !single) {
            return cannotRead(g, "the value of " + g.setting() + " is not a plain number or string");
        }
        return judged(g, text);
    }

    /** {@code set_config('name', value, is_local)}. */
    private static String setConfigValue(List<SqlToken> tokens, int i, List<String> parameters, Guarded g) {
        SqlToken v = i + 2 < tokens.size() ? tokens.get(i + 2) : null;
        boolean alone = i + 3 < tokens.size() && tokens.get(i + 3).isSymbol(",");
        if (v == null || !alone) {
            return cannotRead(g, "set_config's value for " + g.setting() + " is an expression");
        }
        if (v.type() == SqlToken.Type.PARAMETER && parameters == null) {
            return null; // a Parse: judged again at Execute, with the value bound
        }
        String text;
        if (v.type() == SqlToken.Type.STRING) {
            text = plainString(v.text());
        } else if (v.type() == SqlToken.Type.PARAMETER && parameters != null) {
            int n = Integer.parseInt(v.text().substring(1));
            text = n >= 1 && n <= parameters.size() ? parameters.get(n - 1) : null;
        } else {
            text = null;
        }
        if (text == null) {
            return cannotRead(g, "set_config's value for " + g.setting() + " is not a literal pgwarden can read");
        }
        return judged(g, text);
    }

    private static String judged(Guarded g, String value) {
        if (TimeoutValue.within(value, g.limitMillis())) {
            return null; // lowering it is allowed
        }
        double ms = TimeoutValue.millis(value);
        if (ms < 0) {
            return cannotRead(g, "pgwarden cannot read the value '" + value + "'");
        }
        return (Math.round(ms) == 0
                        ? "setting " + g.setting() + " to '" + value + "' would turn off"
                        : "setting " + g.setting() + " to '" + value + "' would raise it above")
                + " the policy's " + g.limitName() + " (" + g.limitMillis()
                + "ms); values from 1ms up to the limit are allowed";
    }

    private static String cannotRead(Guarded g, String what) {
        return what + ", so pgwarden cannot check it against the policy's " + g.limitName() + " (" + g.limitMillis()
                + "ms); write the value as a literal of at most the limit";
    }

    private static boolean isSetConfigName(List<SqlToken> tokens, int i) {
        return tokens.get(i).type() == SqlToken.Type.STRING
                && i >= 2
                && tokens.get(i - 1).isSymbol("(")
                && tokens.get(i - 2).isWord("set_config")
                && i + 1 < tokens.size()
                && tokens.get(i + 1).isSymbol(",");
    }

    /** A plain '...' literal's content; null for E'', U&'', B'', dollar quotes. */
    private static String plainString(String token) {
        if (token.length() >= 2 && token.startsWith("'") && token.endsWith("'")) {
            return token.substring(1, token.length() - 1).replace("''", "'");
        }
        return null;
    }

    /** The text inside a string or dollar-quoted literal, as SQL that may run (a body); null when escaped. */
    private static String stringBody(String token) {
        String plain = plainString(token);
        if (plain != null) {
            return plain;
        }
        if (token.startsWith("$")) {
            int open = token.indexOf('$', 1);
            if (open > 0 && token.length() >= 2 * (open + 1)) {
                return token.substring(open + 1, token.length() - open - 1);
            }
        }
        // E'...' and U&'...' bodies: read as written, escapes undone only for the quote; what they spell
        // through escapes is left to the watch.
        return token.length() > 3 ? token.substring(token.indexOf('\'') + 1, token.length() - 1) : null;
    }
}
