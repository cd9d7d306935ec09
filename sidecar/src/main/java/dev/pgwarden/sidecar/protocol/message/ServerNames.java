package dev.pgwarden.sidecar.protocol.message;

import java.nio.charset.StandardCharsets;

/**
 * Names as the server keys them. PostgreSQL keeps prepared statements and portals (cursors
 * included) in hash tables whose keys hold at most {@code NAMEDATALEN - 1} = 63 bytes, so a
 * longer name sent in a Parse, Bind, Describe, Close or Execute message names the same object as
 * its first 63 bytes (cut bytewise, even inside a character). A name written in SQL was already
 * cut by the scanner at a character boundary. pgwarden compares names only in the form this class
 * gives them, so it never tells apart two names the server takes for one.
 *
 * <p>Keys are strings with one char per byte of the name's UTF-8 encoding (ISO-8859-1), so a cut
 * inside a character compares exactly as the server's bytes do.
 */
public final class ServerNames {
    /** PostgreSQL's NAMEDATALEN - 1: the longest name in bytes. */
    public static final int MAX_NAME_BYTES = 63;

    private ServerNames() {}

    /** The key of a name sent in a protocol message (Parse, Bind, Describe, Close, Execute). */
    public static String ofProtocolName(String name) {
        if (shortAscii(name)) {
            return name;
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(bytes.length, MAX_NAME_BYTES);
        return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
    }

    /**
     * The key of an identifier written in SQL (PREPARE, EXECUTE, DEALLOCATE, DECLARE, FETCH, CLOSE),
     * already folded as PostgreSQL folds it: cut at the last character boundary within 63 bytes, as
     * the server's scanner cuts it.
     */
    public static String ofSqlIdentifier(String folded) {
        if (shortAscii(folded)) {
            return folded;
        }
        byte[] bytes = folded.getBytes(StandardCharsets.UTF_8);
        int length = bytes.length;
        if (length > MAX_NAME_BYTES) {
            length = MAX_NAME_BYTES;
            // Back up to the start of the character the limit falls in (continuation bytes are 10xxxxxx).
            while (length > 0 && (bytes[length] & 0xC0) == 0x80) {
                length--;
            }
        }
        return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
    }

    /**
     * Whether {@code name} is its own key: ASCII within the limit encodes to one byte per char. Most
     * names are ("", "S_1", "P0_2"), and keys are made several times per Bind and Execute.
     */
    private static boolean shortAscii(String name) {
        if (name.length() > MAX_NAME_BYTES) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** A key as readable text, for messages (a cut character shows as the replacement character). */
    public static String display(String key) {
        return new String(key.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
}
