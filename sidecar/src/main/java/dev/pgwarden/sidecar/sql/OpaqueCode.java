package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the code a statement runs or plants that pgwarden cannot see into: a DO block, a CALL, a
 * call of a function PostgreSQL does not ship, and DDL that plants code other statements will run
 * (a function, procedure, trigger, rule, event trigger, operator, aggregate, cast, policy, or a
 * DEFAULT, CHECK, index expression or view that calls a function PostgreSQL does not ship). The
 * policy counts such code as every kind of write ({@link Classification#code()}).
 *
 * <p>A name followed by a parenthesis is a call unless its place says otherwise (a table's column
 * list after INTO, TABLE, ON, REFERENCES; a CTE's or an alias's column list; a definition after
 * FUNCTION or PROCEDURE): a name counted as a call by mistake only makes the verdict stricter.
 */
final class OpaqueCode {
    /** Objects whose creation or change plants code that later statements run. */
    private static final Set<String> CODE_OBJECTS = Set.of(
            "function",
            "procedure",
            "trigger",
            "rule",
            "event",
            "operator",
            "aggregate",
            "cast",
            "transform",
            "language",
            "policy",
            "conversion");
    /** A name after one of these, then '(', is a relation, a definition or a type, not a call. */
    private static final Set<String> NOT_CALL_AFTER = Set.copyOf(List.of(
            "analyze",
            "analyse",
            "vacuum",
            "into",
            "table",
            "on",
            "references",
            "function",
            "procedure",
            "aggregate",
            "view",
            "type",
            "index",
            "exists",
            "only",
            "as",
            "copy",
            "prepare",
            "execute",
            "statistics",
            "tablesample",
            "using",
            "trigger",
            "policy",
            "operator",
            "cast",
            "domain",
            "sequence",
            "class",
            "family",
            "publication",
            "subscription",
            "server",
            "wrapper",
            "mapping",
            "extension",
            "collation"));
    /** SQL syntax that looks like a call but is PostgreSQL's own (most of these are no pg_proc function). */
    private static final Set<String> SYNTAX = Set.copyOf(List.of(
            "coalesce",
            "nullif",
            "greatest",
            "least",
            "trim",
            "extract",
            "overlay",
            "position",
            "substring",
            "normalize",
            "treat",
            "grouping",
            "xmlattributes",
            "xmlconcat",
            "xmlelement",
            "xmlexists",
            "xmlforest",
            "xmlnamespaces",
            "xmlparse",
            "xmlpi",
            "xmlroot",
            "xmlserialize",
            "xmltable",
            "json",
            "json_array",
            "json_arrayagg",
            "json_object",
            "json_objectagg",
            "json_scalar",
            "json_serialize",
            "json_query",
            "json_value",
            "json_exists",
            "json_table",
            "merge_action",
            "collation",
            "interval",
            "timestamp",
            "time",
            "char",
            "character",
            "varchar",
            "numeric",
            "decimal",
            "dec",
            "float",
            "bit",
            "national",
            "nchar",
            "precision",
            "values",
            "row",
            "array",
            "exists",
            "in",
            "any",
            "some",
            "all",
            "cast"));

    private static final Set<String> BUILTIN = load();
    private static final Set<String> SYSTEM_SCHEMAS = Set.of("pg_catalog", "information_schema");

    private OpaqueCode() {}

    /**
     * Whether PostgreSQL ships a function of this (folded) name in its system schemas, or it is one
     * of the extension functions the built-in guards know (dblink's: the guard holds them).
     */
    static boolean builtin(String function) {
        return BUILTIN.contains(function)
                || SYNTAX.contains(function)
                || PgFunctions.names().contains(function);
    }

    /** Adds to {@code f.code} what the statement runs or plants out of pgwarden's sight. */
    static void mark(List<SqlToken> tokens, Facts f) {
        if (f.kind == StatementKind.DO) {
            f.code.add("a DO block");
        } else if (f.kind == StatementKind.CALL) {
            f.code.add("a procedure (CALL)");
        }
        String planted = plantedObject(tokens);
        if (planted != null) {
            f.code.add(planted);
        }
        for (int i = 0; i + 1 < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            if (!t.isName() || !tokens.get(i + 1).isSymbol("(")) {
                continue;
            }
            String name = t.text();
            int before = i - 1;
            String schema = null;
            if (before >= 1
                    && tokens.get(before).isSymbol(".")
                    && tokens.get(before - 1).isName()) {
                schema = tokens.get(before - 1).text();
                before -= 2;
                while (before >= 1
                        && tokens.get(before).isSymbol(".")
                        && tokens.get(before - 1).isName()) {
                    before -= 2; // database.schema.name
                }
            }
            if (schema == null && t.type() == SqlToken.Type.WORD && FunctionCalls.NOT_FUNCTIONS.contains(name)) {
                continue; // a keyword (VALUES (, IN (, ...); a qualified name is a function whatever it spells
            }
            if (before >= 0
                    && tokens.get(before).type() == SqlToken.Type.WORD
                    && NOT_CALL_AFTER.contains(tokens.get(before).text())
                    && !callAfter(tokens, tokens.get(before).text(), schema, name)) {
                continue;
            }
            if (t.type() == SqlToken.Type.WORD && schema == null && builtin(name)) {
                continue;
            }
            if (t.type() == SqlToken.Type.WORD && schema != null && SYSTEM_SCHEMAS.contains(schema) && builtin(name)) {
                continue;
            }
            if (columnList(tokens, i + 1)) {
                continue;
            }
            f.code.add("function " + (schema == null ? "" : schema + ".") + name + "()");
        }
    }

    /** The words a CTE's body starts with. */
    private static final Set<String> QUERY_STARTS =
            Set.of("select", "values", "with", "table", "insert", "update", "delete", "merge");

    /**
     * Whether {@code name(} after a word that usually introduces a relation or a definition is a
     * call after all: ON and USING are a join's or a MERGE's condition and source in a query (only
     * CREATE INDEX ... ON t (, INSERT ... ON CONFLICT (, and index methods or exclusion constraints
     * after USING in CREATE and ALTER are not); AS introduces an alias, which is never qualified.
     */
    private static boolean callAfter(List<SqlToken> tokens, String word, String schema, String name) {
        String first =
                tokens.get(0).type() == SqlToken.Type.WORD ? tokens.get(0).text() : "";
        boolean ddl = first.equals("create") || first.equals("alter");
        return switch (word) {
            case "on" -> !(name.equals("conflict") && schema == null) && !(ddl && createsIndex(tokens));
            case "using" -> !ddl;
            case "as" -> schema != null;
            default -> false;
        };
    }

    /** CREATE [UNIQUE] INDEX (its ON names the table, then its columns in parentheses). */
    private static boolean createsIndex(List<SqlToken> tokens) {
        int i = 1;
        if (i < tokens.size() && tokens.get(i).isWord("unique")) {
            i++;
        }
        return i < tokens.size() && tokens.get(i).isWord("index");
    }

    /** CREATE or ALTER of an object that holds code, as "CREATE TRIGGER" and the like; else null. */
    private static String plantedObject(List<SqlToken> tokens) {
        if (tokens.isEmpty()
                || !(tokens.get(0).isWord("create") || tokens.get(0).isWord("alter"))) {
            return null;
        }
        int i = 1;
        while (i < tokens.size()
                && (tokens.get(i).isWord("or")
                        || tokens.get(i).isWord("replace")
                        || tokens.get(i).isWord("constraint")
                        || tokens.get(i).isWord("trusted")
                        || tokens.get(i).isWord("procedural"))) {
            i++;
        }
        if (i < tokens.size()
                && tokens.get(i).type() == SqlToken.Type.WORD
                && CODE_OBJECTS.contains(tokens.get(i).text())) {
            return tokens.get(0).text().toUpperCase(java.util.Locale.ROOT) + " "
                    + tokens.get(i).text().toUpperCase(java.util.Locale.ROOT);
        }
        return null;
    }

    /**
     * Whether the parenthesis at {@code open} holds a CTE's column list ({@code name(a, b) AS (},
     * possibly MATERIALIZED): the name is the CTE's, not a function's.
     */
    private static boolean columnList(List<SqlToken> tokens, int open) {
        int depth = tokens.get(open).depth();
        for (int k = open + 1; k < tokens.size(); k++) {
            if (tokens.get(k).isSymbol(")") && tokens.get(k).depth() == depth) {
                int next = k + 1;
                if (next < tokens.size() && tokens.get(next).isWord("as")) {
                    next++;
                    while (next < tokens.size()
                            && (tokens.get(next).isWord("not")
                                    || tokens.get(next).isWord("materialized"))) {
                        next++;
                    }
                    // AS ( then a query: a CTE; AS ( then name type, ...: a function's column definition list.
                    return next + 1 < tokens.size()
                            && tokens.get(next).isSymbol("(")
                            && (tokens.get(next + 1).isSymbol("(")
                                    || tokens.get(next + 1).type() == SqlToken.Type.WORD
                                            && QUERY_STARTS.contains(
                                                    tokens.get(next + 1).text()));
                }
                return false;
            }
        }
        return false;
    }

    private static Set<String> load() {
        Set<String> names = new HashSet<>();
        try (InputStream in = OpaqueCode.class.getResourceAsStream("/dev/pgwarden/sidecar/sql/builtin-functions.txt")) {
            if (in == null) {
                throw new IllegalStateException("builtin-functions.txt is missing from this build");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    names.add(line.strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Set.copyOf(names);
    }
}
