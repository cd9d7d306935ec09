package dev.pgwarden.database.masking;

import dev.pgwarden.database.sql.Sql;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The one-row table in the function schema that holds the policy's key as HMAC's two pad blocks.
 * Only its owner (the admin, who owns the views) reads it: the schema grants the agent nothing,
 * and the views read it as their owner. It is written only when the key differs, so a steady
 * apply writes no row, and a policy without a key has none (hash then masks to NULL).
 */
final class KeyTable {
    static final String TABLE = "key";

    private KeyTable() {}

    /** The table's qualified name, as the views name it. */
    static String name(String functionSchema) {
        return Sql.qualified(functionSchema, TABLE);
    }

    /** The scalar subquery a view reads one pad with ({@code ipad} or {@code opad}). */
    static String read(String functionSchema, String pad) {
        return "(SELECT k." + pad + " FROM " + name(functionSchema) + " k)";
    }

    static void create(Changes changes, String functionSchema) throws SQLException {
        changes.run("CREATE TABLE IF NOT EXISTS " + name(functionSchema) + " (one boolean PRIMARY KEY DEFAULT true"
                + " CHECK (one), ipad bytea NOT NULL, opad bytea NOT NULL)");
        changes.run("REVOKE ALL ON TABLE " + name(functionSchema) + " FROM PUBLIC");
    }

    /** Makes the row hold {@code key} (or no row without one), writing only what differs. */
    static void converge(Changes changes, String functionSchema, Optional<MaskKey> key) throws SQLException {
        String table = name(functionSchema);
        boolean present = false;
        boolean same = false;
        try (PreparedStatement ps =
                changes.connection().prepareStatement("SELECT ipad = ? AND opad = ? FROM " + table)) {
            ps.setBytes(1, key.map(MaskKey::ipad).orElse(new byte[0]));
            ps.setBytes(2, key.map(MaskKey::opad).orElse(new byte[0]));
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    present = true;
                    same = rs.getBoolean(1);
                }
            }
        }
        if (key.isEmpty()) {
            if (present) {
                changes.run("DELETE FROM " + table);
            }
            return;
        }
        if (same) {
            return;
        }
        try (PreparedStatement ps = changes.connection()
                .prepareStatement("INSERT INTO " + table + " (one, ipad, opad) VALUES (true, ?, ?)"
                        + " ON CONFLICT (one) DO UPDATE SET ipad = EXCLUDED.ipad, opad = EXCLUDED.opad")) {
            ps.setBytes(1, key.get().ipad());
            ps.setBytes(2, key.get().opad());
            ps.executeUpdate();
        }
        changes.record("write the key of " + table);
    }
}
