package dev.pgwarden.database;

import dev.pgwarden.api.v1alpha1.Access;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicySpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * A policy's roles in its database, over an administrative connection: a NOLOGIN group holding
 * exactly the policy's privileges, short-lived LOGIN roles in it, rotation before expiry, expired
 * roles dropped with their sessions, and everything removed when the policy goes. The operator
 * drives it from a DatabaseAccessPolicy; {@code pgwarden local} from a policy file and an admin
 * login. No Kubernetes here: problems are {@link DatabaseProblem}s, SQL failures {@link SQLException}s.
 *
 * <p>Every step is idempotent, so work that failed half way is simply run again.
 */
public final class PolicyDatabase {
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
   * Makes the group and its privileges what {@code spec.access} says in {@code spec.database}, and
   * makes sure a login serves: {@code heldLogin} while it has more than a third of its lifetime
   * left, else a new one. Logins valid longer than the TTL now allows are cut short.
   *
   * @param heldLogin the login the caller currently hands out (whose password it holds), or null
   * @throws DatabaseProblemException when the group's name is taken or a schema does not exist
   */
  public Applied apply(RoleNames names, DatabaseAccessPolicySpec spec, Instant now, String heldLogin)
      throws SQLException {
    Access access = spec.access();
    List<PrivilegeDrift> drift = new ArrayList<>(roles.ensureGroup(names, spec.database().name(), access.mode(),
        access.schemasOrDefault()));
    drift.addAll(new ExcessPrivileges(connection, roles).revokeOrReport(names, access.mode(),
        access.schemasOrDefault()));
    Duration ttl = CredentialPlan.ttl(access);
    CredentialPlan plan = CredentialPlan.decide(now, ttl, roles.logins(names), heldLogin);
    for (LoginRole role : plan.shorten()) {
      roles.expireAt(role.name(), now.plus(ttl));
    }
    IssuedLogin login;
    if (plan.keep().isPresent()) {
      login = new IssuedLogin.Kept(plan.keep().get().name(), plan.keep().get().validUntil());
    } else {
      String name = names.newLogin(now);
      Instant until = now.plus(ttl).truncatedTo(ChronoUnit.SECONDS);
      login = new IssuedLogin.Minted(name, roles.mintLogin(names.group(), name, until), until);
    }
    List<LoginRole> others = roles.logins(names).stream().filter(r -> !r.name().equals(login.name())).toList();
    return new Applied(List.copyOf(drift), login, CredentialPlan.recheckAfter(now, ttl, login.validUntil(), others));
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
   * Removes the group, its logins and every privilege it holds in this database.
   *
   * @return false when a role of the group's name exists that pgwarden did not create: it is left alone
   */
  public boolean dropGroup(RoleNames names) throws SQLException {
    return roles.dropGroup(names);
  }
}
