package dev.pgwarden.operator.policy;

import dev.pgwarden.api.v1alpha1.AccessMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the group holds beyond its policy once {@link RoleManager#ensureGroup} has set what the
 * admin can set: default privileges left by a former schema owner or admin, or made by hand
 * (revoked here when the admin holds that role's privileges), and table privileges someone else
 * granted (a REVOKE by the admin leaves those in place). What the admin cannot revoke is returned
 * as a sentence with the statement to run: credentials still rotate, and the policy is Degraded
 * until someone with the rights runs it. Each revoke commits on its own, so one that cannot be
 * made never undoes the others.
 */
final class ExcessPrivileges {
  private static final List<String> BEYOND_READ_ONLY =
      List.of("INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER");
  private static final List<String> BEYOND_READ_WRITE = List.of("TRUNCATE", "REFERENCES", "TRIGGER");

  private final Connection connection;
  private final RoleManager roles;

  ExcessPrivileges(Connection connection, RoleManager roles) {
    this.connection = connection;
    this.roles = roles;
  }

  /** Revokes what it can; returns what is left, one sentence each. */
  List<String> revokeOrReport(RoleNames names, AccessMode mode, List<String> schemas) throws SQLException {
    List<String> left = new ArrayList<>();
    defaults(names.group(), wantedDefaults(schemas), left);
    tables(names.group(), mode, schemas, left);
    return left;
  }

  /** The (creator, schema) pairs whose default privileges the policy explains. */
  private Set<String> wantedDefaults(List<String> schemas) throws SQLException {
    Set<String> wanted = new LinkedHashSet<>();
    for (String schema : schemas) {
      String owner = roles.schemaOwner(schema);
      if (owner != null) {
        for (String creator : roles.creators(owner)) {
          wanted.add(creator + "\0" + schema);
        }
      }
    }
    return wanted;
  }

  private void defaults(String group, Set<String> wanted, List<String> left) throws SQLException {
    record DefaultAcl(String creator, String schema, String objects) {
    }
    List<DefaultAcl> found = new ArrayList<>();
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT DISTINCT pg_get_userbyid(d.defaclrole), n.nspname, d.defaclobjtype::text"
            + " FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace,"
            + " aclexplode(d.defaclacl) a WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ?)")) {
      ps.setString(1, group);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(new DefaultAcl(rs.getString(1), rs.getString(2), switch (rs.getString(3)) {
            case "r" -> "TABLES";
            case "S" -> "SEQUENCES";
            case "f" -> "FUNCTIONS";
            case "T" -> "TYPES";
            case "n" -> "SCHEMAS";
            default -> "LARGE OBJECTS";
          }));
        }
      }
    }
    for (DefaultAcl acl : found) {
      boolean explained = acl.schema() != null && wanted.contains(acl.creator() + "\0" + acl.schema())
          && (acl.objects().equals("TABLES") || acl.objects().equals("SEQUENCES"));
      if (explained) {
        continue; // ensureGroup already made it exactly the mode's
      }
      String statement = "ALTER DEFAULT PRIVILEGES FOR ROLE " + Sql.ident(acl.creator())
          + (acl.schema() == null ? "" : " IN SCHEMA " + Sql.ident(acl.schema()))
          + " REVOKE ALL ON " + acl.objects() + " FROM " + Sql.ident(group);
      if (roles.hasPrivilegesOf(acl.creator())) {
        execute(statement);
      } else {
        left.add("role " + acl.creator() + " gives the group every new " + acl.objects().toLowerCase(Locale.ROOT)
            + (acl.schema() == null ? "" : " in schema " + acl.schema()) + "; run as " + acl.creator()
            + " or a superuser: " + statement);
      }
    }
  }

  private void tables(String group, AccessMode mode, List<String> schemas, List<String> left) throws SQLException {
    List<String> beyond = mode == AccessMode.ReadWrite ? BEYOND_READ_WRITE : BEYOND_READ_ONLY;
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT n.nspname, c.relname, pg_get_userbyid(c.relowner), p.priv"
            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, unnest(?::text[]) AS p(priv)"
            + " WHERE n.nspname = ANY (?) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
            + " AND has_table_privilege(?, c.oid, p.priv) ORDER BY 1, 2, 4")) {
      ps.setArray(1, connection.createArrayOf("text", beyond.toArray()));
      ps.setArray(2, connection.createArrayOf("text", schemas.toArray()));
      ps.setString(3, group);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String table = Sql.ident(rs.getString(1)) + "." + Sql.ident(rs.getString(2));
          left.add(rs.getString(4) + " on " + table + " is granted to the group (or to PUBLIC) by someone the"
              + " admin cannot revoke for; run as its owner " + rs.getString(3) + ": REVOKE " + rs.getString(4)
              + " ON " + table + " FROM " + Sql.ident(group));
        }
      }
    }
  }

  private void execute(String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
