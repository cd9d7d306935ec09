package dev.pgwarden.database.masking;

import dev.pgwarden.database.sql.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps a policy's masking in one database: the function schema with the key, a masking view per
 * masked table, and the group's privileges on masked tables, their children and the views over
 * them. Idempotent: an apply on a database that already matches writes nothing (no catalog row,
 * no key row), so it can run on every reconcile.
 *
 * <p>Call it with the admin connection after the group role exists and before the grants made for
 * the policy's schemas as a whole, in the same transaction, and leave the report's
 * {@link MaskingReport#governed() governed} relations out of those grants. Then set the report's
 * search_path for the agent's sessions.
 */
public final class MaskingViews {
    private MaskingViews() {}

    /**
     * Applies the policy's masking in one transaction: the connection's own one when it is in
     * autocommit mode (committed here, rolled back on an exception), else the caller's, which the
     * caller commits. What cannot be done comes back as problems, never as an exception halfway; an
     * exception means the database could not be asked (the transaction is then to be rolled back).
     */
    public static MaskingReport apply(Connection admin, MaskingPolicy policy) throws SQLException {
        boolean own = admin.getAutoCommit();
        if (own) {
            admin.setAutoCommit(false);
        }
        try {
            MaskingReport report = new MaskingViews.Run(admin, policy).apply();
            if (own) {
                admin.commit();
            }
            return report;
        } catch (SQLException | RuntimeException e) {
            if (own) {
                admin.rollback();
            }
            throw e;
        } finally {
            if (own) {
                admin.setAutoCommit(true);
            }
        }
    }

    /** One apply's steps, in order. */
    private static final class Run {
        private final Connection connection;
        private final MaskingPolicy policy;
        private final Changes changes;
        private final List<MaskingProblem> problems = new ArrayList<>();

        Run(Connection connection, MaskingPolicy policy) {
            this.connection = connection;
            this.policy = policy;
            this.changes = new Changes(connection);
        }

        MaskingReport apply() throws SQLException {
            // Names in the DDL, the catalog queries and pg_get_viewdef resolve in pg_catalog only,
            // whatever the admin's session says: a function the agent created in a schema on the
            // admin's search_path must never run as the admin. Until then, every name is qualified.
            String searchPath = one("SELECT pg_catalog.current_setting('search_path')");
            one("SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true)");
            // Two applies for one group at once (two operator replicas) would race on the same objects.
            one("SELECT pg_advisory_xact_lock(hashtext('pgwarden-mask/' || " + Sql.literal(policy.group())
                    + ")::bigint)");
            MaskingReport report = steps();
            // Not in a finally: after an error the transaction is rolled back, which restores it anyway.
            try (PreparedStatement ps =
                    connection.prepareStatement("SELECT pg_catalog.set_config('search_path', ?, true)")) {
                ps.setString(1, searchPath);
                ps.execute();
            }
            return report;
        }

        private MaskingReport steps() throws SQLException {
            AdminRole admin = AdminRole.read(connection);
            long groupOid = CatalogReader.roleOid(connection, policy.group());
            if (groupOid < 0) {
                return new MaskingReport(
                        policy.schemas(),
                        Set.of(),
                        List.of(),
                        List.of(MaskingProblem.inPolicy(
                                Sql.ident(policy.group()),
                                "the group role " + policy.group() + " does not exist; nothing was masked")),
                        List.of());
            }
            boolean utf8 = "UTF8"
                    .equals(one("SELECT pg_encoding_to_char(encoding) FROM pg_database"
                            + " WHERE datname = current_database()"));
            String functionSchema = MaskingSchemas.functionSchema(policy.group());
            List<String> names = new ArrayList<>();
            names.add(functionSchema);
            policy.schemas().forEach(s -> names.add(MaskingSchemas.viewSchema(policy.group(), s)));
            Map<String, MaskingObjects.Schema> schemas =
                    MaskingObjects.schemas(connection, policy.group(), groupOid, names);
            if (policy.columns().isEmpty() && schemas.values().stream().noneMatch(s -> ours(s, functionSchema))) {
                // Nothing to mask and nothing left of earlier masking: what the group holds is the
                // schema-wide grants' business, column privileges made by hand included.
                return new MaskingReport(policy.schemas(), Set.of(), List.of(), List.of(), List.of());
            }
            Map<String, List<MaskingObjects.View>> existing = new LinkedHashMap<>();
            for (MaskingObjects.Schema s : schemas.values()) {
                if (s.source().isPresent()) {
                    existing.put(s.name(), MaskingObjects.views(connection, groupOid, s));
                }
            }
            MaskingPlan plan = new MaskingPlanner(
                            policy, new CatalogReader(connection, groupOid), schemas, existing, admin)
                    .plan();
            problems.addAll(plan.problems());
            Privileges privileges = new Privileges(changes, policy.group(), policy.mode(), problems);
            ViewSync views = new ViewSync(changes, privileges, problems);

            if (!plan.views().isEmpty()) {
                FunctionSchema.converge(
                        changes, Optional.ofNullable(schemas.get(functionSchema)), policy, groupOid, utf8);
            }
            for (Map.Entry<String, String> e : plan.viewSchemas().entrySet()) {
                MaskingObjects.Schema s = schemas.get(e.getValue());
                if (s == null) {
                    changes.run("CREATE SCHEMA " + Sql.ident(e.getValue()));
                    changes.run("COMMENT ON SCHEMA " + Sql.ident(e.getValue()) + " IS "
                            + Sql.literal(MaskingObjects.viewSchemaComment(policy.group(), e.getKey())));
                }
                privileges.usage(e.getValue(), s == null ? "" : s.held());
            }
            Map<String, MaskingObjects.View> byName = new HashMap<>();
            existing.values().forEach(list -> list.forEach(v -> byName.put(v.qualified(), v)));
            for (ViewDefinition v : plan.views()) {
                views.ensure(v, Optional.ofNullable(byName.get(v.qualified())));
            }

            Set<String> governed = new LinkedHashSet<>(plan.governed());
            List<Relation> restore = new ArrayList<>();
            for (Map.Entry<MaskingObjects.View, List<Relation>> e :
                    plan.obsolete().entrySet()) {
                if (views.drop(e.getKey())) {
                    restore.addAll(e.getValue());
                } else {
                    e.getValue().forEach(r -> governed.add(r.qualified()));
                }
            }
            for (Map.Entry<Relation, Set<String>> e : plan.restricted().entrySet()) {
                privileges.restrict(e.getKey(), e.getValue());
            }
            for (Relation r : plan.withheld()) {
                privileges.withhold(r);
            }
            for (Relation r : plan.outside()) {
                privileges.withhold(r);
            }
            for (Relation r : restore) {
                privileges.restore(r);
            }
            dropUnused(schemas, plan, functionSchema);

            Set<String> reported = new LinkedHashSet<>();
            problems.forEach(p -> reported.add(p.relation()));
            for (MaskingProblem p :
                    LeakCheck.run(connection, groupOid, policy.group(), plan.restricted(), plan.withheld())) {
                if (reported.add(p.relation())) {
                    problems.add(p);
                }
            }
            return new MaskingReport(
                    searchPath(plan),
                    governed,
                    plan.withheld().stream().map(Relation::qualified).toList(),
                    problems,
                    changes.done());
        }

        /** The group's masking schemas that hold no wanted view, and the function schema once no view needs it. */
        private void dropUnused(Map<String, MaskingObjects.Schema> schemas, MaskingPlan plan, String functionSchema)
                throws SQLException {
            for (MaskingObjects.Schema s : schemas.values()) {
                if (s.source().isPresent() && !plan.viewSchemas().containsValue(s.name()) && s.manageable()) {
                    SQLException failed = changes.attempt(() -> changes.run("DROP SCHEMA " + Sql.ident(s.name())));
                    if (failed != null) {
                        problems.add(MaskingProblem.of(
                                Sql.ident(s.name()),
                                "the masking schema " + Sql.ident(s.name())
                                        + " is no longer needed but could not be dropped: " + failed.getMessage(),
                                "DROP SCHEMA " + Sql.ident(s.name()) + " CASCADE"));
                    }
                }
            }
            MaskingObjects.Schema functions = schemas.get(functionSchema);
            if (plan.views().isEmpty()
                    && functions != null
                    && functions.manageable()
                    && ours(functions, functionSchema)
                    && !anyMaskingViewLeft(functionSchema)) {
                FunctionSchema.drop(changes, functionSchema);
            }
        }

        /** Whether a schema holds the group's masking views or functions. */
        private boolean ours(MaskingObjects.Schema s, String functionSchema) {
            return s.source().isPresent()
                    || s.name().equals(functionSchema)
                            && s.comment().startsWith(MaskingObjects.FUNCTION_SCHEMA_COMMENT + policy.group() + ", ");
        }

        /** Whether a view still calls the functions (one that could not be dropped). */
        private boolean anyMaskingViewLeft(String functionSchema) throws SQLException {
            try (PreparedStatement ps = connection.prepareStatement(
                    "SELECT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_proc p ON p.oid = d.refobjid"
                            + " JOIN pg_namespace n ON n.oid = p.pronamespace"
                            + " WHERE d.refclassid = 'pg_proc'::regclass AND d.classid = 'pg_rewrite'::regclass AND n.nspname = ?)")) {
                ps.setString(1, functionSchema);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        }

        /** Each masking schema right before its source schema, in the policy's order. */
        private List<String> searchPath(MaskingPlan plan) {
            List<String> out = new ArrayList<>();
            for (String schema : policy.schemas()) {
                String viewSchema = plan.viewSchemas().get(schema);
                if (viewSchema != null) {
                    out.add(viewSchema);
                }
                out.add(schema);
            }
            return out;
        }

        private String one(String sql) throws SQLException {
            try (PreparedStatement ps = connection.prepareStatement(sql);
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
