package dev.pgwarden.operator.policy;

import dev.pgwarden.api.v1alpha1.AccessMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The group's privileges in one schema, made exactly the mode's: USAGE on the schema, SELECT on
 * tables and sequences, plus INSERT, UPDATE, DELETE and sequence USAGE for ReadWrite, present and
 * future. Everything is revoked and granted again in the caller's transaction, so a hand-made
 * grant (TRUNCATE, a sequence's UPDATE) does not survive and no session sees the gap.
 *
 * <p>Tables are handled one by one, by name, and only where the admin holds the owner's
 * privileges: PostgreSQL refuses a GRANT or REVOKE outright on a table the admin has no rights on,
 * and {@code ON ALL TABLES IN SCHEMA} would then fail the whole schema for one table. Grants the
 * admin cannot make come back as sentences naming the statement the owner has to run.
 */
final class SchemaGrants {
  private static final String WRITE_PRIVILEGES = "INSERT, UPDATE, DELETE";
  /** Objects per GRANT statement: one round trip per batch, statements of a sane size. */
  private static final int BATCH = 200;

  private final Connection connection;
  private final String group;

  SchemaGrants(Connection connection, String group) {
    this.connection = connection;
    this.group = group;
  }

  private record Relation(String name, String owner, boolean sequence, boolean manageable) {
  }

  /** Grants the mode's privileges; returns the grants the admin could not make. */
  List<String> apply(String schema, AccessMode mode, Set<String> creators) throws SQLException {
    String s = Sql.ident(schema);
    String g = Sql.ident(group);
    execute("REVOKE ALL ON SCHEMA " + s + " FROM " + g);
    execute("GRANT USAGE ON SCHEMA " + s + " TO " + g);
    String tablePrivileges = mode == AccessMode.ReadWrite ? "SELECT, " + WRITE_PRIVILEGES : "SELECT";
    String sequencePrivileges = mode == AccessMode.ReadWrite ? "SELECT, USAGE" : "SELECT";
    List<Relation> relations = relations(schema);
    for (List<String> batch : batches(relations, false)) {
      execute("REVOKE ALL ON TABLE " + String.join(", ", batch) + " FROM " + g);
      execute("GRANT " + tablePrivileges + " ON TABLE " + String.join(", ", batch) + " TO " + g);
    }
    for (List<String> batch : batches(relations, true)) {
      execute("REVOKE ALL ON SEQUENCE " + String.join(", ", batch) + " FROM " + g);
      execute("GRANT " + sequencePrivileges + " ON SEQUENCE " + String.join(", ", batch) + " TO " + g);
    }
    for (String creator : creators) {
      String prefix = "ALTER DEFAULT PRIVILEGES FOR ROLE " + Sql.ident(creator) + " IN SCHEMA " + s;
      execute(prefix + " REVOKE ALL ON TABLES FROM " + g);
      execute(prefix + " REVOKE ALL ON SEQUENCES FROM " + g);
      execute(prefix + " GRANT " + tablePrivileges + " ON TABLES TO " + g);
      execute(prefix + " GRANT " + sequencePrivileges + " ON SEQUENCES TO " + g);
    }
    List<String> missing = new ArrayList<>();
    for (Relation relation : relations) {
      if (!relation.manageable()) {
        String lacking = lacking(relation, relation.sequence() ? sequencePrivileges : tablePrivileges);
        if (!lacking.isEmpty()) {
          missing.add(lacking + " on " + relation.name() + " is not granted: the admin role does not hold the"
              + " privileges of its owner " + relation.owner() + "; run as " + relation.owner() + ": GRANT "
              + lacking + " ON " + relation.name() + " TO " + g);
        }
      }
    }
    return missing;
  }

  /** Takes back everything the group holds in a schema the policy no longer names. */
  void revoke(String schema, Set<String> creators) throws SQLException {
    String s = Sql.ident(schema);
    String g = Sql.ident(group);
    List<Relation> relations = relations(schema);
    for (List<String> batch : batches(relations, false)) {
      execute("REVOKE ALL ON TABLE " + String.join(", ", batch) + " FROM " + g);
    }
    for (List<String> batch : batches(relations, true)) {
      execute("REVOKE ALL ON SEQUENCE " + String.join(", ", batch) + " FROM " + g);
    }
    execute("REVOKE ALL ON SCHEMA " + s + " FROM " + g);
    for (String creator : creators) {
      String prefix = "ALTER DEFAULT PRIVILEGES FOR ROLE " + Sql.ident(creator) + " IN SCHEMA " + s;
      execute(prefix + " REVOKE ALL ON TABLES FROM " + g);
      execute(prefix + " REVOKE ALL ON SEQUENCES FROM " + g);
    }
  }

  /** Tables, views and sequences of the schema, and whether the admin acts as their owner. */
  private List<Relation> relations(String schema) throws SQLException {
    List<Relation> out = new ArrayList<>();
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT c.relname, pg_get_userbyid(c.relowner), c.relkind = 'S', pg_has_role(current_user, c.relowner, 'USAGE')"
            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = ? AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') ORDER BY c.relname")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Relation(Sql.ident(schema) + "." + Sql.ident(rs.getString(1)), rs.getString(2),
              rs.getBoolean(3), rs.getBoolean(4)));
        }
      }
    }
    return out;
  }

  private static List<List<String>> batches(List<Relation> relations, boolean sequences) {
    List<String> names = relations.stream().filter(r -> r.manageable() && r.sequence() == sequences)
        .map(Relation::name).toList();
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < names.size(); i += BATCH) {
      out.add(names.subList(i, Math.min(names.size(), i + BATCH)));
    }
    return out;
  }

  /** Which of {@code privileges} the group does not hold on the relation (held by hand counts). */
  private String lacking(Relation relation, String privileges) throws SQLException {
    String check = relation.sequence() ? "has_sequence_privilege" : "has_table_privilege";
    List<String> lacking = new ArrayList<>();
    for (String privilege : privileges.split(", ")) {
      try (PreparedStatement ps = connection.prepareStatement("SELECT " + check + "(?, ?, ?)")) {
        ps.setString(1, group);
        ps.setString(2, relation.name());
        ps.setString(3, privilege);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next() && !rs.getBoolean(1)) {
            lacking.add(privilege);
          }
        }
      }
    }
    return lacking.stream().collect(Collectors.joining(", "));
  }

  private void execute(String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
