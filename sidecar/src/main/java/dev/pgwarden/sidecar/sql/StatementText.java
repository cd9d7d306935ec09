package dev.pgwarden.sidecar.sql;

import java.util.List;
import java.util.function.Consumer;
import net.sf.jsqlparser.parser.CCJSqlParser;

/**
 * One statement as the readers see it: its text, its tokens, and the lookups every reader makes
 * on them. Statements embedded in this one (EXPLAIN's, PREPARE's, a cursor's query) are classified
 * from here, with the same parser watchdog.
 */
final class StatementText {
    final String sql;
    final List<SqlToken> tokens;
    private final Consumer<CCJSqlParser> onParser;

    StatementText(String sql, List<SqlToken> tokens, Consumer<CCJSqlParser> onParser) {
        this.sql = sql;
        this.tokens = tokens;
        this.onParser = onParser;
    }

    /** Hands a parser to the watchdog before it runs. */
    Consumer<CCJSqlParser> onParser() {
        return onParser;
    }

    /** The name at {@code i}, or "" when there is none. */
    String word(int i) {
        return i < tokens.size() && tokens.get(i).isName() ? tokens.get(i).text() : "";
    }

    /** The (possibly qualified) name starting at {@code i}, as written; null when no name starts there. */
    String qualifiedName(int i) {
        if (i >= tokens.size() || !tokens.get(i).isName()) {
            return null;
        }
        StringBuilder b = new StringBuilder(tokens.get(i).text());
        while (i + 2 < tokens.size()
                && tokens.get(i + 1).isSymbol(".")
                && tokens.get(i + 2).isName()) {
            b.append('.').append(tokens.get(i + 2).text());
            i += 2;
        }
        return b.toString();
    }

    int closingParenthesis(int open) throws ParsedStatements.NotUnderstood {
        int depth = tokens.get(open).depth();
        for (int i = open + 1; i < tokens.size(); i++) {
            if (tokens.get(i).isSymbol(")") && tokens.get(i).depth() == depth) {
                return i;
            }
        }
        throw new ParsedStatements.NotUnderstood("unbalanced parentheses");
    }

    /** Classifies the statement embedded between two offsets of the text. */
    Classification embedded(int from, int to) {
        return StatementClassifier.classify(sql.substring(from, to), onParser);
    }

    /** Classifies the statement embedded from token {@code i} to the end of the text. */
    Classification embeddedFrom(int i) {
        return embedded(tokens.get(i).start(), sql.length());
    }
}
