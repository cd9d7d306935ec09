package dev.pgwarden.database;

import dev.pgwarden.api.policy.Durations;
import dev.pgwarden.api.v1alpha1.Access;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What to do with a policy's login roles at one moment: keep the current one or mint a new one,
 * which expired ones to drop, which to cut short, and when to look again.
 *
 * <p>A credential is replaced once a third of its lifetime is left. The replaced role stays valid
 * until its own expiry, so sidecars that have not yet seen the new Secret (the kubelet refreshes
 * mounted Secrets with a delay of up to a couple of minutes) and sessions already open keep
 * working; at expiry it is dropped and its sessions end.
 *
 * @param keep the role to keep serving, empty when a new one must be minted
 * @param drop expired roles
 * @param shorten roles valid for longer than the policy now allows (its TTL was lowered)
 */
public record CredentialPlan(Optional<LoginRole> keep, List<LoginRole> drop, List<LoginRole> shorten) {
    /** A policy's credential lifetime when {@code spec.access.credentialTTL} is not set. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);
    /** The shortest lifetime a policy may ask for: a credential must be rotated before it expires. */
    public static final Duration MIN_TTL = Duration.ofMinutes(1);
    /** Never look again sooner than this, whatever the TTL: a reconcile loop must not spin. */
    static final Duration MIN_RECHECK = Duration.ofSeconds(5);
    /** A role valid this much longer than the TTL allows was minted under an older, longer TTL. */
    private static final Duration SHORTEN_SLACK = Duration.ofMinutes(1);

    /** The lifetime of the credentials a policy's access asks for. */
    public static Duration ttl(Access access) {
        return access.credentialTTL() == null ? DEFAULT_TTL : Durations.parse(access.credentialTTL());
    }

    static CredentialPlan decide(Instant now, Duration ttl, List<LoginRole> logins, String currentUsername) {
        Duration rotateWindow = ttl.dividedBy(3);
        Optional<LoginRole> current = logins.stream()
                .filter(l -> l.name().equals(currentUsername))
                .filter(l -> l.validUntil().isAfter(now.plus(rotateWindow)))
                .findFirst();
        List<LoginRole> drop = new ArrayList<>();
        List<LoginRole> shorten = new ArrayList<>();
        for (LoginRole login : logins) {
            if (login.expiredAt(now)) {
                drop.add(login);
            } else if (login.validUntil().isAfter(now.plus(ttl).plus(SHORTEN_SLACK))) {
                shorten.add(login);
            }
        }
        // A current role cut short is no longer one to keep: it would need rotating at once anyway.
        if (current.isPresent() && shorten.contains(current.get())) {
            current = Optional.empty();
        }
        return new CredentialPlan(current, drop, shorten);
    }

    /** When the next reconcile is due: the issued role's rotation time or the next expiry, whichever is first. */
    static Duration recheckAfter(Instant now, Duration ttl, Instant issuedUntil, List<LoginRole> others) {
        Instant next = issuedUntil.minus(ttl.dividedBy(3));
        for (LoginRole other : others) {
            if (other.validUntil().isBefore(next)) {
                next = other.validUntil();
            }
        }
        Duration wait = Duration.between(now, next);
        return wait.compareTo(MIN_RECHECK) < 0 ? MIN_RECHECK : wait.plusSeconds(1);
    }
}
