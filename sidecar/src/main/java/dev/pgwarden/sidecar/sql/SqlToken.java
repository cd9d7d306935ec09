package dev.pgwarden.sidecar.sql;

/**
 * One lexical token of a statement.
 *
 * @param text for words, folded as PostgreSQL folds unquoted names ({@link Identifiers}); for quoted
 *     identifiers, the name between the quotes; for literals, their source text; for symbols, the
 *     symbol
 * @param start offset of the token in the statement
 * @param end offset just after the token (a U&amp; literal's UESCAPE clause included)
 * @param depth parenthesis depth at the token (0 outside any parenthesis)
 */
public record SqlToken(Type type, String text, int start, int end, int depth) {
    public enum Type {
        WORD,
        QUOTED_IDENTIFIER,
        STRING,
        NUMBER,
        PARAMETER,
        SYMBOL
    }

    public boolean isWord(String lowerCaseWord) {
        return type == Type.WORD && text.equals(lowerCaseWord);
    }

    public boolean isSymbol(String symbol) {
        return type == Type.SYMBOL && text.equals(symbol);
    }

    /** A name, whose text is as PostgreSQL resolves it ({@link Identifiers}). */
    public boolean isName() {
        return type == Type.WORD || type == Type.QUOTED_IDENTIFIER;
    }

    public boolean isLiteral() {
        return type == Type.STRING || type == Type.NUMBER;
    }
}
