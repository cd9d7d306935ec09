package dev.pgwarden.database;

import dev.pgwarden.database.masking.MaskingReport;
import java.time.Duration;
import java.util.List;

/**
 * What {@link PolicyDatabase#apply} did and found.
 *
 * @param drift where the group's privileges or masking still differ from the policy (the admin role
 *     has no say there, or the fix changes what others made), each with the statement that fixes it
 * @param login the login that serves the policy now
 * @param recheckAfter when to apply again: the login's rotation time or the next expiry of another login
 * @param masking what masking did: the relations it governs, the search_path the logins got, the
 *     statements that changed something (none when the database already matched)
 */
public record Applied(List<PrivilegeDrift> drift, IssuedLogin login, Duration recheckAfter, MaskingReport masking) {}
