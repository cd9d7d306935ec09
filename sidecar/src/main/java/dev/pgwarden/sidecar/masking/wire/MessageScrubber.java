package dev.pgwarden.sidecar.masking.wire;

import dev.pgwarden.sidecar.protocol.CStrings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Removes values from the server's errors and notices about statements that read masked columns:
 * {@code invalid input syntax for type integer: "alice@example.com"} or a unique violation's
 * {@code Key (email)=(...)} would otherwise hand a masked value to the agent. A quoted part of
 * the message or hint stays only when the statement itself holds that name (a column, a table,
 * a type: what the agent needs to fix its statement); the detail, the context and the internal
 * query, which quote rows and values, are withheld.
 */
public final class MessageScrubber {
    static final String WITHHELD = "pgwarden withheld the detail: the statement reads masked columns";
    static final String WITHHELD_MESSAGE = "pgwarden withheld this message: it comes from code that may have read"
            + " masked columns (its SQLSTATE is kept)";
    static final String QUOTED_VALUE = "\"[redacted]\"";

    private MessageScrubber() {}

    /**
     * @param message a whole ErrorResponse or NoticeResponse, type byte included; not released here
     * @param statementNames the names in the statement the message is about
     */
    public static ByteBuf scrub(
            ByteBuf message, Set<String> statementNames, boolean withholdMessage, ByteBufAllocator alloc) {
        ByteBuf in = message.duplicate();
        byte type = in.readByte();
        in.readInt();
        ByteBuf out = alloc.buffer(in.readableBytes() + 64);
        out.writeByte(type);
        out.writeInt(0);
        while (in.isReadable()) {
            byte field = in.readByte();
            if (field == 0) {
                break;
            }
            String value = CStrings.read(in);
            switch (field) {
                case 'M' ->
                    value = withholdMessage
                            ? WITHHELD_MESSAGE
                            : redactUnquoted(redactQuoted(value, statementNames), statementNames);
                case 'H' -> value = redactUnquoted(redactQuoted(value, statementNames), statementNames);
                case 'D' -> value = WITHHELD;
                case 'W', 'q' -> value = null;
                default -> {}
            }
            if (value != null) {
                out.writeByte(field);
                out.writeCharSequence(value, StandardCharsets.UTF_8);
                out.writeByte(0);
            }
        }
        out.writeByte(0);
        out.setInt(1, out.writerIndex() - 1);
        return out;
    }

    private static final java.util.regex.Pattern WORD = java.util.regex.Pattern.compile("[^\\s,;()\"]+");

    /**
     * Replaces unquoted values: some messages print them bare ({@code date field value out of
     * range: 2000-13-12}, {@code operator does not exist: x(int,int)}, {@code index 12 out of valid
     * range}), and a value can be made to look like any word. So every bare word after the
     * message's first colon goes (PostgreSQL puts what it could not take there), and before it
     * every word holding a digit or an '@', unless it is a name of the statement with a letter in
     * it (names are compared whole: a comment or a literal listing candidate values keeps nothing).
     */
    static String redactUnquoted(String s, Set<String> statementNames) {
        StringBuilder b = new StringBuilder(s.length());
        java.util.regex.Matcher m = WORD.matcher(s);
        int last = 0;
        boolean inQuote = false;
        boolean afterColon = false;
        while (m.find()) {
            for (int i = last; i < m.start(); i++) {
                char c = s.charAt(i);
                inQuote ^= c == '"';
                afterColon |= !inQuote && c == ':';
            }
            b.append(s, last, m.start());
            String word = m.group();
            if (!inQuote && !word.equals("[redacted]") && (afterColon || bareValue(word, statementNames))) {
                b.append("[redacted]");
            } else {
                b.append(word);
            }
            last = m.end();
            // "name: value": a colon that ends a word opens what follows.
            afterColon |= !inQuote && word.endsWith(":");
        }
        b.append(s, last, s.length());
        return b.toString();
    }

    /** A word that may carry a value: a digit or an '@' in it, and not a name the statement holds. */
    private static boolean bareValue(String word, Set<String> names) {
        boolean digit = word.chars().anyMatch(Character::isDigit);
        if (!digit && word.indexOf('@') < 0) {
            return false;
        }
        boolean letter = word.chars().anyMatch(Character::isLetter);
        return !(letter
                && word.indexOf('@') < 0
                && (names.contains(word) || names.contains(dev.pgwarden.sidecar.sql.Identifiers.foldUnquoted(word))));
    }

    /** Replaces every "quoted" part that is not a name of the statement. */
    static String redactQuoted(String s, Set<String> names) {
        StringBuilder b = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            int open = s.indexOf('"', i);
            if (open < 0) {
                b.append(s, i, s.length());
                break;
            }
            int close = s.indexOf('"', open + 1);
            if (close < 0) {
                // An unbalanced quote: whatever follows may be a value.
                b.append(s, i, open).append(QUOTED_VALUE);
                break;
            }
            String inner = s.substring(open + 1, close);
            b.append(s, i, open);
            b.append(isName(inner, names) ? s.substring(open, close + 1) : QUOTED_VALUE);
            i = close + 1;
        }
        return b.toString();
    }

    /** A name of the statement, possibly qualified (customers.emial) or with a type's modifiers. */
    private static boolean isName(String inner, Set<String> names) {
        if (inner.isEmpty()) {
            return false;
        }
        for (String part : inner.split("\\.", -1)) {
            if (!names.contains(part) && !names.contains(dev.pgwarden.sidecar.sql.Identifiers.foldUnquoted(part))) {
                return false;
            }
        }
        return true;
    }
}
