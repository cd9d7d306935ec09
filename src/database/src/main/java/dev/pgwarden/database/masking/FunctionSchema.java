package dev.pgwarden.database.masking;

import dev.pgwarden.database.sql.Sql;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The policy's function schema: the masking functions, which the group may execute (the views
 * call them as the agent), and the key table, which only the admin reads. The agent gets no USAGE
 * on the schema, so it can name neither; the views reach both by oid. The functions are replaced
 * only when their definitions changed (a fingerprint in the schema's comment), so a steady apply
 * writes nothing.
 */
final class FunctionSchema {
    private FunctionSchema() {}

    static void converge(
            Changes changes,
            Optional<MaskingObjects.Schema> existing,
            MaskingPolicy policy,
            long groupOid,
            boolean utf8Database)
            throws SQLException {
        String name = MaskingSchemas.functionSchema(policy.group());
        String schema = Sql.ident(name);
        List<String> ddl = MaskFunctions.ddl(name, utf8Database);
        String comment = MaskingObjects.functionSchemaComment(policy.group(), MaskFunctions.version(ddl));
        if (existing.isEmpty()) {
            changes.run("CREATE SCHEMA " + schema);
        }
        String group = Sql.ident(policy.group());
        String functions = String.join(", ", MaskFunctions.signatures(name));
        if (!existing.map(MaskingObjects.Schema::comment).orElse("").equals(comment)) {
            for (String statement : ddl) {
                changes.run(statement);
            }
            changes.run("COMMENT ON SCHEMA " + schema + " IS " + Sql.literal(comment));
            changes.run("REVOKE ALL ON FUNCTION " + functions + " FROM PUBLIC");
            changes.run("GRANT EXECUTE ON FUNCTION " + functions + " TO " + group);
        } else if (grantsDiffer(changes, name, groupOid)) {
            changes.run("REVOKE ALL ON FUNCTION " + functions + " FROM PUBLIC, " + group);
            changes.run("GRANT EXECUTE ON FUNCTION " + functions + " TO " + group);
        }
        if (!keyTableExists(changes, name)) {
            KeyTable.create(changes, name);
        }
        KeyTable.converge(changes, name, policy.key());
    }

    static void drop(Changes changes, String name) throws SQLException {
        changes.run("DROP SCHEMA " + Sql.ident(name) + " CASCADE");
    }

    /** Whether a function runs for PUBLIC (no ACL yet means PUBLIC may), or not for the group. */
    private static boolean grantsDiffer(Changes changes, String schema, long groupOid) throws SQLException {
        try (PreparedStatement ps = changes.connection()
                .prepareStatement(
                        "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ?"
                                + " AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) x WHERE x.grantee = 0)"
                                + " OR NOT EXISTS (SELECT 1 FROM aclexplode(p.proacl) x WHERE x.grantee = ?"
                                + " AND x.privilege_type = 'EXECUTE'))")) {
            ps.setString(1, schema);
            ps.setLong(2, groupOid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    private static boolean keyTableExists(Changes changes, String schema) throws SQLException {
        try (PreparedStatement ps = changes.connection().prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, KeyTable.name(schema));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
