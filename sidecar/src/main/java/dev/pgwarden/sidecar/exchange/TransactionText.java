package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.sql.SqlLexer;
import dev.pgwarden.sidecar.sql.SqlToken;
import java.util.List;
import java.util.Set;

/**
 * What {@link SessionObjects} reads from a statement's text to follow the server's names: whether
 * a DECLARE is WITH HOLD, which savepoint a SAVEPOINT, RELEASE or ROLLBACK TO names, whether a
 * statement may make or free names at all.
 */
final class TransactionText {
    private TransactionText() {}

    /** Whether a DECLARE says WITH HOLD, read from its tokens: DECLARE name [options] CURSOR [WITH[OUT] HOLD] FOR. */
    static boolean holdable(String sql) {
        List<SqlToken> tokens;
        try {
            tokens = SqlLexer.tokenize(sql);
        } catch (SqlLexer.LexException e) {
            return true; // remembered longer than the server keeps it: the strict side
        }
        for (int i = 2; i + 1 < tokens.size(); i++) {
            if (tokens.get(i).isWord("for") && tokens.get(i).depth() == 0) {
                return false;
            }
            if (tokens.get(i).isWord("with")
                    && tokens.get(i + 1).isWord("hold")
                    && tokens.get(i - 1).isWord("cursor")) {
                return true;
            }
        }
        return false;
    }

    /** SAVEPOINT name, RELEASE [SAVEPOINT] name: the name. */
    static String savepointName(String sql) {
        List<SqlToken> tokens = tokens(sql);
        SqlToken last = tokens.isEmpty() ? null : tokens.get(tokens.size() - 1);
        return last == null ? "" : last.text();
    }

    /** ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name: the name; null for a ROLLBACK of the transaction. */
    static String rollbackTo(String sql) {
        List<SqlToken> tokens = tokens(sql);
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i).isWord("to")) {
                return tokens.get(tokens.size() - 1).text();
            }
        }
        return null;
    }

    /** Whether the statement may create or free prepared statements or portals by name. */
    static boolean mayChangeNames(String sql) {
        List<SqlToken> tokens = tokens(sql);
        return !tokens.isEmpty()
                && tokens.get(0).type() == SqlToken.Type.WORD
                && Set.of("prepare", "deallocate", "declare", "close", "discard", "execute", "do", "call")
                        .contains(tokens.get(0).text());
    }

    private static List<SqlToken> tokens(String sql) {
        try {
            return sql == null ? List.of() : SqlLexer.tokenize(sql);
        } catch (SqlLexer.LexException e) {
            return List.of();
        }
    }
}
