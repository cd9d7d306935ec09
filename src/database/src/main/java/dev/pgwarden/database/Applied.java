package dev.pgwarden.database;

import java.time.Duration;
import java.util.List;

/**
 * What {@link PolicyDatabase#apply} did and found.
 *
 * @param drift where the group's privileges still differ from the policy (the admin role has no say there)
 * @param login the login that serves the policy now
 * @param recheckAfter when to apply again: the login's rotation time or the next expiry of another login
 */
public record Applied(List<PrivilegeDrift> drift, IssuedLogin login, Duration recheckAfter) {
}
