package dev.pgwarden.database;

import java.time.Instant;

/** The login role that serves a policy after {@link PolicyDatabase#apply}: the one already handed out, or a new one. */
public sealed interface IssuedLogin {
    String name();

    Instant validUntil();

    /** The login the caller holds stays: its password is the one the caller already has. */
    record Kept(String name, Instant validUntil) implements IssuedLogin {}

    /**
     * A new login, in the group, valid until {@code validUntil}. Its password exists only here: a
     * caller that cannot hand it on should {@link PolicyDatabase#dropLogin drop} the role.
     */
    record Minted(String name, String password, Instant validUntil) implements IssuedLogin {
        @Override
        public String toString() {
            return "Minted[name=" + name + ", password=***, validUntil=" + validUntil + "]";
        }
    }
}
