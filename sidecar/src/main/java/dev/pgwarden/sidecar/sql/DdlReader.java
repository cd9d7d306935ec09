package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.sql.Classification.Hazard;
import java.util.Set;

/**
 * Reads statements that change the schema: CREATE, ALTER, DROP (but of roles, see
 * {@link PrivilegeReader}), TRUNCATE, COMMENT, SECURITY LABEL and IMPORT FOREIGN SCHEMA. What
 * they write is named from the tokens; CREATE ... AS runs its query, which is classified as well.
 */
final class DdlReader {
    /** Words between CREATE or DROP and the kind of object. */
    private static final Set<String> MODIFIERS =
            Set.of("or", "replace", "temp", "temporary", "unlogged", "global", "local");

    private DdlReader() {}

    /** Where the kind of object is named: after CREATE or DROP and their modifiers, right after ALTER. */
    static int objectKeyword(StatementText t) {
        int i = 1;
        if (t.word(0).equals("alter")) {
            return i;
        }
        while (MODIFIERS.contains(t.word(i))) {
            i++;
        }
        return i;
    }

    /** CREATE, ALTER or DROP of anything but a role. */
    static Facts objectStatement(StatementText t) throws ParsedStatements.NotUnderstood {
        int i = objectKeyword(t);
        return switch (t.word(0)) {
            case "create" -> create(t, i);
            case "drop" -> {
                Facts f = new Facts(StatementKind.DROP);
                tableName(t, i, f);
                yield f;
            }
            default -> {
                Facts f = new Facts(StatementKind.ALTER);
                tableName(t, i, f);
                yield f;
            }
        };
    }

    private static Facts create(StatementText t, int i) throws ParsedStatements.NotUnderstood {
        Facts f = new Facts(StatementKind.CREATE);
        tableName(t, i, f);
        if (t.word(i).equals("table") || t.word(i).equals("materialized")) {
            createAs(t, f);
        }
        if (t.word(i).equals("schema")) {
            schemaElements(t, i, f);
        }
        String object = t.word(i).equals("constraint") ? t.word(i + 1) : t.word(i);
        if (object.equals("rule") || object.equals("trigger") || object.equals("event")) {
            // Rules and triggers run statements later, on other statements' rows, out of pgwarden's sight.
            f.hazards.add(Hazard.DECLARES_CODE);
        }
        return f;
    }

    /**
     * CREATE SCHEMA ... followed by schema elements (CREATE TABLE, VIEW, INDEX, SEQUENCE, TRIGGER,
     * GRANT) runs each of them: each is classified as the statement it is and counts, so a
     * trigger or a grant planted this way is judged as one written on its own.
     */
    private static void schemaElements(StatementText t, int i, Facts f) throws ParsedStatements.NotUnderstood {
        var tokens = t.tokens;
        int start = -1;
        for (int j = i + 1; j <= tokens.size(); j++) {
            boolean element = j < tokens.size()
                    && tokens.get(j).depth() == 0
                    && (tokens.get(j).isWord("create") || tokens.get(j).isWord("grant"));
            if ((element || j == tokens.size()) && start >= 0) {
                Classification c =
                        t.embedded(tokens.get(start).start(), tokens.get(j - 1).end());
                if (c.kind() == StatementKind.UNPARSEABLE) {
                    throw new ParsedStatements.NotUnderstood("an element of CREATE SCHEMA: " + c.problem());
                }
                f.absorb(c);
            }
            if (element) {
                start = j;
            }
        }
    }

    /**
     * CREATE TABLE / MATERIALIZED VIEW ... AS query [WITH [NO] DATA] runs the query, data-modifying
     * CTEs and EXECUTE of a prepared statement included, so the query's effects count.
     */
    private static void createAs(StatementText t, Facts f) throws ParsedStatements.NotUnderstood {
        var tokens = t.tokens;
        for (int i = 2; i + 1 < tokens.size(); i++) {
            SqlToken next = tokens.get(i + 1);
            if (tokens.get(i).depth() == 0
                    && tokens.get(i).isWord("as")
                    && (next.isSymbol("(")
                            || next.isWord("select")
                            || next.isWord("with")
                            || next.isWord("values")
                            || next.isWord("table")
                            || next.isWord("execute"))) {
                int end = tokens.size();
                if (end >= 2
                        && tokens.get(end - 1).isWord("data")
                        && tokens.get(end - 2).isWord("with")) {
                    end -= 2;
                } else if (end >= 3
                        && tokens.get(end - 1).isWord("data")
                        && tokens.get(end - 2).isWord("no")
                        && tokens.get(end - 3).isWord("with")) {
                    end -= 3;
                }
                Classification query =
                        t.embedded(next.start(), tokens.get(end - 1).end());
                if (query.kind() == StatementKind.UNPARSEABLE) {
                    throw new ParsedStatements.NotUnderstood("the query of CREATE ... AS: " + query.problem());
                }
                f.absorb(query);
                // The query's results go into the new table, not to the agent.
                f.lineage = query.lineage() == null ? null : query.lineage().copying();
                return;
            }
        }
    }

    /** For tables: the (possibly qualified) name after TABLE [IF [NOT] EXISTS] [ONLY], as written. */
    private static void tableName(StatementText t, int i, Facts f) {
        if (!t.word(i).equals("table")) {
            return;
        }
        i++;
        while (Set.of("if", "not", "exists", "only").contains(t.word(i))) {
            i++;
        }
        String name = t.qualifiedName(i);
        if (name != null) {
            f.writes.add(name);
        }
    }

    static Facts truncate(StatementText t) {
        Facts f = new Facts(StatementKind.TRUNCATE);
        var tokens = t.tokens;
        int i = 1;
        if (t.word(i).equals("table")) {
            i++;
        }
        for (; i < tokens.size(); i++) {
            SqlToken token = tokens.get(i);
            if (token.isWord("restart")
                    || token.isWord("continue")
                    || token.isWord("cascade")
                    || token.isWord("restrict")) {
                break;
            }
            if (token.isName()
                    && !token.isWord("only")
                    && (i == 1 || !tokens.get(i - 1).isSymbol("."))) {
                f.writes.add(t.qualifiedName(i));
            }
        }
        return f;
    }
}
