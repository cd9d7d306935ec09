package dev.pgwarden.sidecar.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The objects a DROP or TRUNCATE names, read from its tokens, so that an approval request can say
 * what they hold. Names are as PostgreSQL resolves them (folded, quotes and U&amp; escapes undone);
 * PostgreSQL itself then truncates and looks them up. Only for what reviewers see: the policy's
 * verdict never depends on this reading, so a form it does not know yields no target.
 */
public final class DropTargets {
    /** What a target is. */
    public enum Kind {
        /** A table, view, materialized view, index, sequence or foreign table. */
        RELATION,
        SCHEMA,
        /** DROP OWNED BY: everything a role owns in this database. */
        OWNED,
        DATABASE
    }

    /**
     * One object a statement drops or empties.
     *
     * @param schema the schema a relation is qualified with, or null
     * @param only TRUNCATE ONLY: its inheritance children are left alone
     */
    public record Target(Kind kind, String schema, String name, boolean only) {}

    /** Relations DROP takes by name (after DROP, before the name list). */
    private static final Set<String> RELATION_WORDS = Set.of("table", "view", "index", "sequence");

    /** The role keywords DROP OWNED BY accepts instead of a name. */
    private static final Set<String> ROLE_KEYWORDS = Set.of("current_user", "current_role", "session_user");

    private DropTargets() {}

    /** The targets of every DROP and TRUNCATE in the text (statements split as pgwarden splits them). */
    public static List<Target> of(String text) {
        List<Target> out = new ArrayList<>();
        for (String statement : StatementSplitter.split(text)) {
            List<SqlToken> tokens;
            try {
                tokens = SqlLexer.tokenize(statement);
            } catch (SqlLexer.LexException e) {
                continue;
            }
            read(tokens, out);
        }
        return out;
    }

    private static void read(List<SqlToken> t, List<Target> out) {
        if (t.isEmpty()) {
            return;
        }
        if (t.get(0).isWord("truncate")) {
            int i = t.size() > 1 && t.get(1).isWord("table") ? 2 : 1;
            names(t, i, Kind.RELATION, true, out);
            return;
        }
        if (!t.get(0).isWord("drop") || t.size() < 3) {
            return;
        }
        int i = 1;
        Kind kind;
        if (t.get(i).isWord("materialized") || t.get(i).isWord("foreign")) {
            i++;
            if (!(t.get(i).isWord("view") || t.get(i).isWord("table"))) {
                return;
            }
            kind = Kind.RELATION;
        } else if (t.get(i).type() == SqlToken.Type.WORD
                && RELATION_WORDS.contains(t.get(i).text())) {
            kind = Kind.RELATION;
        } else if (t.get(i).isWord("schema")) {
            kind = Kind.SCHEMA;
        } else if (t.get(i).isWord("database")) {
            kind = Kind.DATABASE;
        } else if (t.get(i).isWord("owned") && t.get(i + 1).isWord("by")) {
            kind = Kind.OWNED;
            i++;
        } else {
            return;
        }
        i++;
        if (i < t.size() && t.get(i).isWord("concurrently")) {
            i++;
        }
        if (i + 1 < t.size() && t.get(i).isWord("if") && t.get(i + 1).isWord("exists")) {
            i += 2;
        }
        names(t, i, kind, false, out);
    }

    /** A comma-separated list of (possibly qualified) names from {@code i}, up to the first other word. */
    private static void names(List<SqlToken> t, int i, Kind kind, boolean truncate, List<Target> out) {
        while (i < t.size()) {
            boolean only = false;
            if (truncate
                    && t.get(i).isWord("only")
                    && i + 1 < t.size()
                    && t.get(i + 1).isName()) {
                only = true;
                i++;
            }
            SqlToken first = t.get(i);
            if (!first.isName() || first.depth() != 0) {
                return;
            }
            if (first.type() == SqlToken.Type.WORD
                    && (first.text().equals("cascade")
                            || first.text().equals("restrict")
                            || first.text().equals("restart")
                            || first.text().equals("continue")
                            || first.text().equals("with"))) {
                return;
            }
            String schema = null;
            String name = first.text();
            i++;
            if (i + 1 < t.size() && t.get(i).isSymbol(".") && t.get(i + 1).isName()) {
                schema = name;
                name = t.get(i + 1).text();
                i += 2;
                if (i + 1 < t.size() && t.get(i).isSymbol(".") && t.get(i + 1).isName()) {
                    // database.schema.name: PostgreSQL accepts only the current database here.
                    schema = name;
                    name = t.get(i + 1).text();
                    i += 2;
                }
            }
            if (kind == Kind.OWNED && first.type() == SqlToken.Type.WORD && ROLE_KEYWORDS.contains(name)) {
                name = null; // the role the statement runs as
            }
            out.add(new Target(kind, schema, name, only));
            if (i < t.size() && t.get(i).isSymbol("*")) {
                i++; // TRUNCATE name *: the children too, which is the default
            }
            if (i < t.size() && t.get(i).isSymbol(",")) {
                i++;
            } else {
                return;
            }
        }
    }
}
