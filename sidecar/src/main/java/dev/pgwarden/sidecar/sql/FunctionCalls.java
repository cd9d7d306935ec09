package dev.pgwarden.sidecar.sql;

import dev.pgwarden.sidecar.sql.Classification.Hazard;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the functions a statement calls, from its tokens whatever its kind, and from the bodies of
 * the code it declares (DO, CREATE FUNCTION/PROCEDURE). Over-inclusive on purpose: the built-in
 * guards and masking read the result, and a name too many can only make them stricter.
 */
final class FunctionCalls {
    /** Words that are followed by a parenthesis without being function calls. */
    static final Set<String> NOT_FUNCTIONS = Set.copyOf(List.of(
            "and",
            "or",
            "not",
            "in",
            "exists",
            "values",
            "as",
            "over",
            "filter",
            "within",
            "using",
            "on",
            "from",
            "where",
            "select",
            "join",
            "any",
            "all",
            "some",
            "array",
            "row",
            "table",
            "with",
            "into",
            "set",
            "returning",
            "lateral",
            "cast",
            "numeric",
            "decimal",
            "varchar",
            "char",
            "character",
            "varying",
            "bit",
            "timestamp",
            "time",
            "interval",
            "float",
            "by",
            "partition",
            "conflict",
            "do",
            "key",
            "unique",
            "primary",
            "check",
            "references",
            "foreign",
            "default",
            "when",
            "then",
            "else",
            "case",
            "is",
            "like",
            "ilike",
            "similar",
            "between",
            "group",
            "order",
            "having",
            "limit",
            "offset",
            "union",
            "except",
            "intersect",
            "recursive",
            "materialized",
            "include",
            "only",
            "update",
            "delete",
            "insert",
            "explain",
            "analyze",
            "analyse",
            "verbose",
            "prepare",
            "execute",
            "grouping",
            "sets",
            "cube",
            "rollup",
            "tablesample",
            "window",
            "range",
            "rows",
            "groups",
            "nulls",
            "distinct",
            "for",
            "to",
            "if",
            "language",
            "returns",
            "procedure",
            "function",
            "view",
            "index",
            "trigger",
            "type",
            "domain",
            "sequence",
            "schema",
            "lateral",
            "copy",
            "vacuum",
            "cluster",
            "reindex",
            "lock",
            "call",
            "returns",
            "setof",
            "inout",
            "out",
            "variadic",
            "of",
            "hold",
            "cursor",
            "constraint",
            "exclude",
            "generated",
            "identity",
            "stored",
            "virtual",
            "escape",
            "collate",
            "natural",
            "cross",
            "left",
            "right",
            "full",
            "inner",
            "outer",
            "ties",
            "fetch",
            "next",
            "first",
            "last",
            "asc",
            "desc",
            "volatile",
            "stable",
            "immutable",
            "strict",
            "leakproof",
            "cost",
            "support",
            "parallel",
            "security",
            "definer",
            "invoker",
            "atomic",
            "begin",
            "end",
            "return",
            "default",
            "null",
            "true",
            "false",
            "repeatable",
            "operator",
            "stdout",
            "stdin",
            "options",
            "version",
            "freeze",
            "header",
            "format",
            "encoding",
            "replace",
            "like"));

    /** A call in a code body: a name or quoted name, optionally schema-qualified, then '('. */
    private static final Pattern CALL =
            Pattern.compile("([A-Za-z_\\x80-\\uffff][A-Za-z0-9_$\\x80-\\uffff]*|\"(?:[^\"]|\"\")+\")\\s*\\(");

    private FunctionCalls() {}

    /** Adds every function the statement calls, and those its code bodies call. */
    static void collect(StatementText t, Facts f) throws ParsedStatements.NotUnderstood {
        fromTokens(t.tokens, f);
        if (SqlLexer.declaresCode(t.tokens)) {
            codeBodies(t.tokens, f);
            f.hazards.add(Hazard.DECLARES_CODE);
        }
    }

    /** Every name followed by '(' that is not a keyword. */
    private static void fromTokens(List<SqlToken> tokens, Facts f) {
        for (int i = 0; i + 1 < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            if (t.isName()
                    && tokens.get(i + 1).isSymbol("(")
                    && !(t.type() == SqlToken.Type.WORD && NOT_FUNCTIONS.contains(t.text()))) {
                f.functions.add(t.text());
            }
        }
    }

    /**
     * DO and CREATE FUNCTION bodies run later or now, out of pgwarden's sight: their calls count
     * (the fingerprint keeps such bodies, so this does not depend on a shared classification).
     * A body written with backslash or Unicode escapes could spell a name the search cannot see.
     */
    private static void codeBodies(List<SqlToken> tokens, Facts f) throws ParsedStatements.NotUnderstood {
        for (SqlToken t : tokens) {
            String text = t.text();
            if (t.type() == SqlToken.Type.STRING
                    && (text.startsWith("E") || text.startsWith("e") || text.startsWith("U&") || text.startsWith("u&"))
                    && (text.indexOf('\\') >= 0 || text.toLowerCase(Locale.ROOT).contains("uescape"))) {
                throw new ParsedStatements.NotUnderstood("a function or DO body written with escapes");
            }
        }
        f.functions.addAll(inBodies(tokens));
    }

    /**
     * Function names called in the string literals of a code-declaring statement: a plain text
     * search, nested literals and comments included, since the body's own syntax (PL/pgSQL, another
     * language) is not SQL. Names are folded as PostgreSQL folds them.
     */
    static Set<String> inBodies(List<SqlToken> tokens) {
        Set<String> names = new LinkedHashSet<>();
        for (SqlToken t : tokens) {
            if (t.type() != SqlToken.Type.STRING) {
                continue;
            }
            Matcher m = CALL.matcher(t.text());
            while (m.find()) {
                names.add(Identifiers.fold(m.group(1)));
            }
        }
        return names;
    }
}
