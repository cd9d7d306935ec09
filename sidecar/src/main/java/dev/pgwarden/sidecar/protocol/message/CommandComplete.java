package dev.pgwarden.sidecar.protocol.message;

import dev.pgwarden.sidecar.protocol.CStrings;
import io.netty.buffer.ByteBuf;

/** A CommandComplete ('C'): the command tag, such as {@code SELECT 5} or {@code DEALLOCATE ALL}. */
public record CommandComplete(String tag) {
    public static CommandComplete read(ByteBuf body) {
        return new CommandComplete(CStrings.first(body));
    }

    /**
     * The row count of a tag: its last word when numeric ({@code SELECT 5}, {@code INSERT 0 5},
     * {@code UPDATE 3}), else null.
     */
    public static Long rows(String tag) {
        if (tag == null) {
            return null;
        }
        int space = tag.lastIndexOf(' ');
        if (space < 0) {
            return null;
        }
        try {
            return Long.parseLong(tag.substring(space + 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
