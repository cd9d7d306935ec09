package dev.pgwarden.database.masking;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The role applying masking, as the plan names it in the statements it asks others to run.
 *
 * @param createsSchemas it holds CREATE on the database, which a masking schema not made yet needs
 * @param databaseOwner who may grant that
 */
record AdminRole(String name, boolean createsSchemas, String database, String databaseOwner) {
    static AdminRole read(Connection connection) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                        "SELECT current_user, has_database_privilege(d.oid, 'CREATE'), d.datname, pg_get_userbyid(d.datdba)"
                                + " FROM pg_database d WHERE d.datname = current_database()");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new AdminRole(rs.getString(1), rs.getBoolean(2), rs.getString(3), rs.getString(4));
        }
    }
}
