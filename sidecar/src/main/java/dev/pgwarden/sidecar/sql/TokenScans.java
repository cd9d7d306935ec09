package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Facts read straight from a statement's tokens, where JSqlParser's tree does not have them or
 * JSqlParser cannot read the statement at all. Each scan errs on the side of finding too much:
 * what it finds can only make a decision stricter.
 */
final class TokenScans {
    private TokenScans() {}

    /**
     * The statement a WITH clause is attached to: the first SELECT, INSERT, UPDATE, DELETE, MERGE,
     * VALUES or TABLE outside parentheses that is not a CTE's name.
     */
    static StatementKind mainKindAfterWith(List<SqlToken> tokens) {
        for (int i = 1; i < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            SqlToken before = tokens.get(i - 1);
            if (t.depth() != 0
                    || t.type() != SqlToken.Type.WORD
                    || before.isWord("with")
                    || before.isWord("recursive")
                    || before.isSymbol(",")) {
                continue;
            }
            switch (t.text()) {
                case "select", "values", "table" -> {
                    return StatementKind.SELECT;
                }
                case "insert" -> {
                    return StatementKind.INSERT;
                }
                case "update" -> {
                    return StatementKind.UPDATE;
                }
                case "delete" -> {
                    return StatementKind.DELETE;
                }
                case "merge" -> {
                    return StatementKind.MERGE;
                }
                default -> {}
            }
        }
        return StatementKind.SELECT;
    }

    /** FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE: the query locks the rows it reads. */
    static boolean locksRows(List<SqlToken> tokens) {
        for (int i = 0; i + 1 < tokens.size(); i++) {
            if (tokens.get(i).isWord("for") && isLockStrength(tokens, i + 1)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isLockStrength(List<SqlToken> tokens, int i) {
        SqlToken t = tokens.get(i);
        if (t.isWord("update") || t.isWord("share")) {
            return true;
        }
        SqlToken next = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
        return next != null && (t.isWord("no") && next.isWord("key") || t.isWord("key") && next.isWord("share"));
    }

    /** SELECT ... INTO t creates a table; INSERT INTO and MERGE INTO (in a CTE) do not count. */
    static boolean selectsInto(List<SqlToken> tokens) {
        for (int i = 1; i < tokens.size(); i++) {
            if (tokens.get(i).isWord("into")
                    && !tokens.get(i - 1).isWord("insert")
                    && !tokens.get(i - 1).isWord("merge")) {
                return true;
            }
        }
        return false;
    }

    /** Any INSERT, UPDATE, DELETE or MERGE keyword, a row-lock's UPDATE aside. */
    static boolean mentionsDataChange(List<SqlToken> tokens) {
        return !dataChanges(tokens).isEmpty();
    }

    private static Set<StatementKind> dataChanges(List<SqlToken> tokens) {
        Set<StatementKind> kinds = EnumSet.noneOf(StatementKind.class);
        for (int i = 0; i < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            if (t.type() != SqlToken.Type.WORD) {
                continue;
            }
            boolean lock = i > 0
                    && (tokens.get(i - 1).isWord("for") || tokens.get(i - 1).isWord("key"));
            switch (t.text()) {
                case "insert" -> kinds.add(StatementKind.INSERT);
                case "update" -> kinds.add(lock ? StatementKind.OTHER : StatementKind.UPDATE);
                case "delete" -> kinds.add(StatementKind.DELETE);
                case "merge" -> kinds.add(StatementKind.MERGE);
                default -> {}
            }
        }
        kinds.remove(StatementKind.OTHER);
        return kinds;
    }

    /**
     * What an unclassifiable statement may do, so that ReadOnly still denies an unparseable write and
     * an unparseable UPDATE or DELETE counts as unbounded: its leading keyword's kind when that is a
     * write, and every data-changing keyword in it.
     */
    static Set<StatementKind> suspectedEffects(List<SqlToken> tokens) {
        Set<StatementKind> kinds = dataChanges(tokens);
        SqlToken first = tokens.get(0);
        if (first.isWord("copy")) {
            kinds.add(StatementKind.COPY_FROM);
        } else if (first.isWord("do")) {
            kinds.add(StatementKind.DO);
        } else if (first.isWord("create")) {
            kinds.add(StatementKind.CREATE);
        }
        return kinds;
    }

    /**
     * Adds UPDATE, DELETE and INSERT for MERGE's WHEN ... THEN actions.
     *
     * @return whether a WHEN NOT MATCHED BY SOURCE clause acts on every target row the source lacks
     */
    static boolean mergeActions(List<SqlToken> tokens, Facts f) {
        boolean bySource = false;
        for (int i = 0; i + 1 < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            SqlToken next = tokens.get(i + 1);
            if (t.depth() != 0) {
                continue;
            }
            if (t.isWord("then")) {
                if (next.isWord("update")) {
                    f.effects.add(StatementKind.UPDATE);
                } else if (next.isWord("delete")) {
                    f.effects.add(StatementKind.DELETE);
                } else if (next.isWord("insert")) {
                    f.effects.add(StatementKind.INSERT);
                }
            }
            bySource |= t.isWord("by") && next.isWord("source");
        }
        return bySource;
    }
}
