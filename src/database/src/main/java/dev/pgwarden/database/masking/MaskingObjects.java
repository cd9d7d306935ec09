package dev.pgwarden.database.masking;

import dev.pgwarden.database.sql.Sql;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The schemas and views pgwarden already keeps for a group, found by the comments it writes on
 * them: a schema whose name pgwarden would use but whose comment is not pgwarden's for this group
 * is someone else's and is never adopted, changed or dropped.
 */
final class MaskingObjects {
    /** The start of every masking schema's comment, whatever the group. */
    static final String VIEW_SCHEMA_COMMENT = MaskingSchemas.VIEW_SCHEMA_COMMENT;

    static final String FUNCTION_SCHEMA_COMMENT = "pgwarden masking functions and key of role ";

    /**
     * A schema by the name pgwarden uses, or one whose comment says it is this group's.
     *
     * @param source the source schema its comment names, empty when the comment is not pgwarden's for the group
     * @param manageable the admin holds the owner's privileges
     * @param held the group's entry in its ACL
     */
    record Schema(long oid, String name, Optional<String> source, String comment, boolean manageable, String held) {}

    /**
     * A view in one of the group's masking schemas.
     *
     * @param comment the comment pgwarden wrote: the fingerprints of its definition
     * @param catalogFingerprint the fingerprint of what the catalog holds now (definition and options)
     * @param source the relation of the same name in the schema's source schema when the view reads it:
     *     the table a rule masked until now; empty when it was renamed or dropped
     * @param held the group's entry in the view's ACL
     */
    record View(
            long oid,
            String schema,
            String name,
            String comment,
            String catalogFingerprint,
            Optional<Long> source,
            boolean manageable,
            String held) {
        String qualified() {
            return Sql.qualified(schema, name);
        }
    }

    private MaskingObjects() {}

    static String viewSchemaComment(String group, String source) {
        return VIEW_SCHEMA_COMMENT + group + " for schema " + source;
    }

    static String functionSchemaComment(String group, String version) {
        return FUNCTION_SCHEMA_COMMENT + group + ", version " + version;
    }

    /** The schemas named {@code names}, and every schema whose comment says it holds the group's masking views. */
    static Map<String, Schema> schemas(Connection connection, String group, long groupOid, Collection<String> names)
            throws SQLException {
        String ours = VIEW_SCHEMA_COMMENT + group + " for schema ";
        Map<String, Schema> out = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT n.oid, n.nspname, coalesce(d.description, ''), pg_has_role(current_user, n.nspowner, 'USAGE'), "
                        + CatalogReader.held("n.nspacl", "?", "n.nspowner")
                        + " FROM pg_namespace n LEFT JOIN pg_description d ON d.objoid = n.oid"
                        + " AND d.classoid = 'pg_namespace'::regclass AND d.objsubid = 0"
                        + " WHERE n.nspname = ANY(?::text[]) OR starts_with(d.description, ?) ORDER BY n.nspname")) {
            ps.setLong(1, groupOid);
            ps.setArray(2, connection.createArrayOf("text", names.toArray()));
            ps.setString(3, ours);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String comment = rs.getString(3);
                    Optional<String> source =
                            comment.startsWith(ours) ? Optional.of(comment.substring(ours.length())) : Optional.empty();
                    out.put(
                            rs.getString(2),
                            new Schema(
                                    rs.getLong(1),
                                    rs.getString(2),
                                    source,
                                    comment,
                                    rs.getBoolean(4),
                                    rs.getString(5)));
                }
            }
        }
        return out;
    }

    /** The views in one masking schema; the catalog's own rendering is read with the apply's search_path. */
    static List<View> views(Connection connection, long groupOid, Schema schema) throws SQLException {
        List<View> out = new ArrayList<>();
        try (PreparedStatement ps =
                connection.prepareStatement("SELECT c.oid, c.relname, coalesce(obj_description(c.oid, 'pg_class'), ''),"
                        + " pg_get_viewdef(c.oid) || '|' || coalesce(array_to_string(c.reloptions, ','), ''),"
                        + " (SELECT s.oid FROM pg_rewrite r JOIN pg_depend d ON d.objid = r.oid AND d.classid = 'pg_rewrite'::regclass"
                        + " AND d.refclassid = 'pg_class'::regclass JOIN pg_class s ON s.oid = d.refobjid"
                        + " JOIN pg_namespace sn ON sn.oid = s.relnamespace"
                        + " WHERE r.ev_class = c.oid AND s.relname = c.relname AND sn.nspname = ? LIMIT 1),"
                        + " pg_has_role(current_user, c.relowner, 'USAGE'), "
                        + CatalogReader.held("c.relacl", "?", "c.relowner")
                        + " FROM pg_class c WHERE c.relnamespace = ? AND c.relkind = 'v' ORDER BY c.relname")) {
            ps.setString(1, schema.source().orElse(""));
            ps.setLong(2, groupOid);
            ps.setLong(3, schema.oid());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long sourceOid = rs.getLong(5);
                    Optional<Long> source = rs.wasNull() ? Optional.empty() : Optional.of(sourceOid);
                    out.add(new View(
                            rs.getLong(1),
                            schema.name(),
                            rs.getString(2),
                            rs.getString(3),
                            fingerprint(rs.getString(4)),
                            source,
                            rs.getBoolean(6),
                            rs.getString(7)));
                }
            }
        }
        return out;
    }

    /** The catalog's current rendering of one view, fingerprinted. */
    static String catalogFingerprint(Connection connection, String qualifiedView) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT pg_get_viewdef(c.oid) || '|' || coalesce(array_to_string(c.reloptions, ','), '')"
                        + " FROM pg_class c WHERE c.oid = ?::regclass")) {
            ps.setString(1, qualifiedView);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return fingerprint(rs.getString(1));
            }
        }
    }

    static String fingerprint(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
