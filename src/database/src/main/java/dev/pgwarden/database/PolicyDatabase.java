package dev.pgwarden.database;

import dev.pgwarden.api.v1alpha1.Access;
import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicySpec;
import dev.pgwarden.database.masking.ColumnMask;
import dev.pgwarden.database.masking.MaskKey;
import dev.pgwarden.database.masking.MaskingPolicy;
import dev.pgwarden.database.masking.MaskingReport;
import dev.pgwarden.database.masking.MaskingViews;
import dev.pgwarden.database.sql.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A policy's roles in its database, over an administrative connection: a NOLOGIN group holding
 * exactly the policy's privileges, the masking through which it reads masked tables, short-lived
 * LOGIN roles in it, rotation before expiry, expired roles dropped with their sessions, and
 * everything removed when the policy goes. The operator
 * drives it from a DatabaseAccessPolicy; {@code pgwarden local} from a policy file and an admin
 * login. No Kubernetes here: problems are {@link DatabaseProblem}s, SQL failures {@link SQLException}s.
 *
 * <p>Every step is idempotent, so work that failed half way is simply run again.
 */
public final class PolicyDatabase {
    private static final Logger log = LoggerFactory.getLogger(PolicyDatabase.class);

    private final Connection connection;
    private final RoleManager roles;

    /** @param admin a connection as a role that may create roles and grant on the policy's schemas; the caller closes it */
    public PolicyDatabase(Connection admin) throws SQLException {
        this.connection = admin;
        this.roles = new RoleManager(admin);
    }

    /**
     * Drops the group's logins whose {@code VALID UNTIL} has passed and ends their sessions. Its own
     * step, so expired credentials end even when the policy cannot be applied (it is invalid, or
     * applying it fails).
     */
    public ExpirySweep endExpiredLogins(RoleNames names, Instant now) throws SQLException {
        return ExpiredLogins.end(roles, names, now, null);
    }

    /**
     * Makes the group, its privileges and its masking what {@code spec} says in {@code spec.database},
     * and makes sure a login serves: {@code heldLogin} while it has more than a third of its lifetime
     * left, else a new one. Logins valid longer than the TTL now allows are cut short.
     *
     * <p>One transaction (the connection's own in autocommit mode, else the caller's), in this
     * order: the group role; masking (views, functions, key, the group's column privileges on masked
     * tables), which says which relations it governs; the grants for the policy's schemas as a
     * whole and the revocation of what goes beyond the policy, both leaving those relations and the
     * masking views alone; then the logins, each with the search_path that finds the masking views
     * before the tables. A login therefore never exists without its masking, and a reconcile that
     * fails half way leaves the database as it was. Where the database already matches, nothing is
     * written (no transaction id is assigned).
     *
     * @param maskKey the policy's {@code hash} key: {@link MaskKey#derive} of the secret the proxy
     *     reads as {@code mask.key} and the policy's {@code metadata.name}, as the proxy derives it, so
     *     that both walls hash a value alike
     * @param heldLogin the login the caller currently hands out (whose password it holds), or null
     * @throws DatabaseProblemException when the group's name is taken or a schema does not exist
     * @throws IllegalArgumentException when a masking rule's column is not {@code schema.table.column}
     */
    public Applied apply(RoleNames names, DatabaseAccessPolicySpec spec, MaskKey maskKey, Instant now, String heldLogin)
            throws SQLException {
        Access access = spec.access();
        List<String> schemas = access.schemasOrDefault();
        List<ColumnMask> masks = ColumnMask.fromRules(spec.maskingOrEmpty());
        MaskingPolicy maskingPolicy =
                new MaskingPolicy(names.group(), access.mode(), schemas, masks, Optional.of(maskKey));
        return Transactions.run(connection, () -> {
            List<PrivilegeDrift> drift =
                    new ArrayList<>(roles.ensureGroup(names, spec.database().name(), schemas));
            MaskingReport masking = MaskingViews.apply(connection, maskingPolicy);
            MaskingScope scope = MaskingScope.of(masking, schemas, !masks.isEmpty());
            drift.addAll(roles.grantSchemas(names, access.mode(), schemas, scope));
            drift.addAll(new ExcessPrivileges(connection, roles).revokeOrReport(names, access.mode(), schemas, scope));
            drift.addAll(MaskingDrift.of(masking, roles.currentUser()));
            Duration ttl = CredentialPlan.ttl(access);
            IssuedLogin login = serve(names, ttl, now, heldLogin);
            // Only a policy that masks gets a search_path of its own: the masking views first.
            List<String> searchPath = masks.isEmpty() ? List.of() : masking.searchPath();
            for (LoginRole role : roles.logins(names)) {
                SQLException failed = Transactions.attempt(connection, () -> roles.searchPath(role.name(), searchPath));
                if (failed != null) {
                    drift.add(new PrivilegeDrift(
                            PrivilegeDrift.Kind.MASKING,
                            "the search_path of login " + role.name()
                                    + " could not be set, so its sessions find the tables before the masking views (and are refused"
                                    + " their masked columns): " + failed.getMessage(),
                            "a role with ADMIN on " + role.name(),
                            "ALTER ROLE " + Sql.ident(role.name())
                                    + (searchPath.isEmpty()
                                            ? " RESET search_path"
                                            : " SET search_path TO " + masking.searchPathSetting())));
                }
            }
            List<LoginRole> others = roles.logins(names).stream()
                    .filter(r -> !r.name().equals(login.name()))
                    .toList();
            return new Applied(
                    List.copyOf(drift),
                    login,
                    CredentialPlan.recheckAfter(now, ttl, login.validUntil(), others),
                    masking);
        });
    }

    /** The login that serves from now: the held one while it may, else a new one; logins valid too long are cut short. */
    private IssuedLogin serve(RoleNames names, Duration ttl, Instant now, String heldLogin) throws SQLException {
        CredentialPlan plan = CredentialPlan.decide(now, ttl, roles.logins(names), heldLogin);
        for (LoginRole role : plan.shorten()) {
            roles.expireAt(role.name(), now.plus(ttl));
        }
        if (plan.keep().isPresent()) {
            return new IssuedLogin.Kept(
                    plan.keep().get().name(), plan.keep().get().validUntil());
        }
        String name = names.newLogin(now);
        Instant until = now.plus(ttl).truncatedTo(ChronoUnit.SECONDS);
        return new IssuedLogin.Minted(name, roles.mintLogin(names.group(), name, until), until);
    }

    /** The group's LOGIN roles that pgwarden minted, oldest first; none if the group is not pgwarden's. */
    public List<LoginRole> logins(RoleNames names) throws SQLException {
        return roles.logins(names);
    }

    /** Ends one login: its sessions are terminated, what it owns is dropped, and the role goes. */
    public void dropLogin(String login) throws SQLException {
        roles.dropLogin(login);
    }

    /**
     * Removes the group, its logins, its masking (views, functions, key, which the admin owns) and
     * every privilege it holds in this database. Masking that cannot be removed (someone made an
     * object depend on a masking view) is left, and logged with the statement that removes it.
     *
     * @return false when a role of the group's name exists that pgwarden did not create: it is left alone
     */
    public boolean dropGroup(RoleNames names) throws SQLException {
        if (roles.ours(names)) {
            MaskingReport left = MaskingViews.apply(
                    connection,
                    new MaskingPolicy(names.group(), AccessMode.ReadOnly, List.of(), List.of(), Optional.empty()));
            left.problems()
                    .forEach(p -> log.warn(
                            "dropping {}: {} ({})",
                            names.group(),
                            p.message(),
                            p.statement().orElse("")));
        }
        return roles.dropGroup(names);
    }
}
