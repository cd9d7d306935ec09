package dev.pgwarden.database;

import java.time.Instant;

/** A minted LOGIN role and the end of its {@code VALID UNTIL}. */
public record LoginRole(String name, Instant validUntil) {
    public boolean expiredAt(Instant now) {
        return !validUntil.isAfter(now);
    }
}
