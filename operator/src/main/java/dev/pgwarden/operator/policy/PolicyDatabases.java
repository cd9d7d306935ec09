package dev.pgwarden.operator.policy;

import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.database.AdminConnection;
import dev.pgwarden.database.AdminCredentials;
import dev.pgwarden.database.DatabaseProblem;
import dev.pgwarden.database.DatabaseProblemException;
import dev.pgwarden.database.RoleNames;
import dev.pgwarden.operator.policy.ReconcileProblem.Reason;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The operator's side of {@link dev.pgwarden.database}: the admin connection to a policy's
 * database, the policy's role names, and what goes wrong there in the words and reasons of the
 * policy's conditions.
 */
final class PolicyDatabases {
    static final String APPLICATION_NAME = "pgwarden-operator";

    private PolicyDatabases() {}

    static RoleNames names(DatabaseAccessPolicy policy) {
        return RoleNames.of(
                policy.getMetadata().getNamespace(), policy.getMetadata().getName());
    }

    static Connection connect(DatabaseTarget db, AdminCredentials admin) {
        try {
            return AdminConnection.open(db, admin, APPLICATION_NAME);
        } catch (SQLException e) {
            throw new ReconcileProblem(
                    Reason.DatabaseUnavailable,
                    "cannot connect to " + where(db) + " as " + admin.username() + ": " + e.getMessage() + sqlState(e),
                    e);
        }
    }

    static ReconcileProblem failed(DatabaseTarget db, SQLException e) {
        return new ReconcileProblem(
                Reason.DatabaseError,
                "managing roles in " + where(db) + " failed: " + e.getMessage() + sqlState(e)
                        + "; correct what the database reports (its settings or the admin role's privileges)",
                e);
    }

    static ReconcileProblem failed(DatabaseProblemException e) {
        DatabaseProblem problem = e.problem();
        Reason reason;
        if (problem instanceof DatabaseProblem.RoleConflict) {
            reason = Reason.RoleConflict;
        } else if (problem instanceof DatabaseProblem.SchemaNotFound) {
            reason = Reason.SchemaNotFound;
        } else {
            throw new IllegalStateException("no condition reason for " + problem, e);
        }
        return new ReconcileProblem(reason, problem.message(), e);
    }

    static String where(DatabaseTarget db) {
        return "database " + db.name() + " at " + db.host() + ":" + db.portOrDefault();
    }

    private static String sqlState(SQLException e) {
        return e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")";
    }
}
