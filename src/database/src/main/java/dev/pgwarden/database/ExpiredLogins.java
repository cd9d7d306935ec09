package dev.pgwarden.database;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Ends a policy's login roles whose {@code VALID UNTIL} has passed. PostgreSQL refuses new logins
 * after that moment but keeps the sessions opened before it, so an expired credential stops
 * working only when its role is dropped and its sessions are terminated.
 */
final class ExpiredLogins {
    private ExpiredLogins() {}

    /** Drops every expired login of the group but {@code current} (the one the Secret hands out). */
    static ExpirySweep end(RoleManager roles, RoleNames names, Instant now, String current) throws SQLException {
        List<String> dropped = new ArrayList<>();
        List<LoginRole> remaining = new ArrayList<>();
        for (LoginRole role : roles.logins(names)) {
            if (role.name().equals(current)) {
                continue;
            }
            if (role.expiredAt(now)) {
                roles.dropLogin(role.name());
                dropped.add(role.name());
            } else {
                remaining.add(role);
            }
        }
        return new ExpirySweep(List.copyOf(dropped), List.copyOf(remaining));
    }
}
