package dev.pgwarden.database;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What a sweep of expired logins did: the roles it dropped (their sessions ended) and the ones still valid. */
public record ExpirySweep(List<String> dropped, List<LoginRole> remaining) {
    /** When the next remaining role expires, the moment the next sweep is due. */
    public Optional<Instant> nextExpiry() {
        return remaining.stream().map(LoginRole::validUntil).min(Instant::compareTo);
    }

    /** How long until the next sweep is due, never less than {@link CredentialPlan#MIN_RECHECK}; empty when nothing is left to expire. */
    public Optional<Duration> recheckAfter(Instant now) {
        return nextExpiry().map(next -> {
            Duration wait = Duration.between(now, next).plusSeconds(1);
            return wait.compareTo(CredentialPlan.MIN_RECHECK) < 0 ? CredentialPlan.MIN_RECHECK : wait;
        });
    }
}
