package dev.pgwarden.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.policy.PolicyLoader;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.database.LoginRole;
import dev.pgwarden.database.PolicyDatabase;
import dev.pgwarden.database.RoleNames;
import dev.pgwarden.database.masking.MaskingSchemas;
import dev.pgwarden.operator.Await;
import dev.pgwarden.operator.ClusterFixture;
import dev.pgwarden.operator.MutableClock;
import dev.pgwarden.testkit.Queries;
import dev.pgwarden.testkit.TestPostgres;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The policy reconciler in a real JOSDK operator, against the Fabric8 mock API server (CRUD mode)
 * and a real PostgreSQL: what the roles may do is checked by logging in as them.
 */
@EnableKubernetesMockClient(crud = true)
class PolicyReconcilerTest {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final String NS = "agents";
    private static final String ADMIN = "pgwarden_admin";
    private static final String ADMIN_PASSWORD = "adm1n-Passw0rd";
    private static final String CREATOR = "pgwarden_creator";
    /** Masking rules, as items of spec.masking in a policy's YAML. */
    private static final String EMAIL_PARTIAL = "  - {columns: [sales.customers.email], strategy: partial}";

    private static final String SSN_HASH = "  - {columns: [sales.customers.ssn], strategy: hash}";

    KubernetesMockServer server;
    KubernetesClient client;
    private final MutableClock clock = new MutableClock();
    private Operator operator;
    private String database;
    private static TestPostgres postgres;

    @BeforeAll
    static void admin() throws SQLException {
        postgres = TestPostgres.shared();
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + ADMIN + "'");
            if (!rs.next()) {
                s.execute("CREATE ROLE " + ADMIN + " LOGIN SUPERUSER PASSWORD '" + ADMIN_PASSWORD + "'");
                s.execute("CREATE ROLE app_owner NOLOGIN");
                // What a careful DBA hands pgwarden instead of a superuser: CREATEROLE, and the schema owner's rights.
                s.execute("CREATE ROLE " + CREATOR + " LOGIN CREATEROLE PASSWORD '" + ADMIN_PASSWORD + "'");
                s.execute("GRANT app_owner TO " + CREATOR);
            }
        }
    }

    @BeforeEach
    void start() throws SQLException {
        database = "policy_db_" + DATABASES.incrementAndGet();
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA sales AUTHORIZATION app_owner");
            s.execute("CREATE TABLE sales.orders (id int, total numeric)");
            s.execute("ALTER TABLE sales.orders OWNER TO app_owner");
            s.execute("INSERT INTO sales.orders VALUES (1, 10)");
            s.execute("CREATE TABLE public.secrets (id int)");
        }
        ClusterFixture.installCrds(client);
        client.resource(adminSecret()).create();
        operator = ClusterFixture.startOperator(client, clock, Duration.ofHours(1));
    }

    @AfterEach
    void stop() {
        operator.stop();
    }

    @Test
    void readOnlyPolicyGetsAGroupWithSelectOnlyAndAShortLivedLogin() throws Exception {
        client.resource(policy("analytics", "ReadOnly", "1h", postgres.port())).create();
        DatabaseAccessPolicy ready = awaitCondition("analytics", "Ready", "True");

        assertThat(ready.getStatus().observedGeneration())
                .isEqualTo(ready.getMetadata().getGeneration());
        assertThat(condition(ready, "Degraded").getStatus()).isEqualTo("False");
        Secret secret =
                client.secrets().inNamespace(NS).withName("pgwarden-analytics").get();
        assertThat(secret.getData())
                .containsKeys("policy.yaml", "username", "password", "expiresAt", "audit.key", "mask.key");
        assertThat(secret.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o -> assertThat(o.getName()).isEqualTo("analytics"));
        String username = value(secret, "username");
        assertThat(ready.getStatus().credentials().role()).isEqualTo(username);
        assertThat(ready.getStatus().credentials().secretName()).isEqualTo("pgwarden-analytics");
        assertThat(value(secret, "policy.yaml"))
                .contains("kind: \"DatabaseAccessPolicy\"")
                .contains("analytics")
                .doesNotContain("status");
        assertThat(Base64.getDecoder().decode(secret.getData().get("audit.key")))
                .hasSize(48);
        // What the sidecar will do with it: load it as a cluster policy, strictly (unknown fields are errors).
        DatabaseAccessPolicy mounted =
                new PolicyLoader(PolicyValidator.Use.CLUSTER).parse(value(secret, "policy.yaml"), "policy.yaml");
        assertThat(mounted.getSpec()).isEqualTo(ready.getSpec());
        assertThat(mounted.getMetadata().getGeneration())
                .isEqualTo(ready.getMetadata().getGeneration());

        Instant expires = Instant.parse(value(secret, "expiresAt"));
        assertThat(Duration.between(clock.instant(), expires))
                .isBetween(Duration.ofMinutes(59), Duration.ofMinutes(61));
        RoleNames names = RoleNames.of(NS, "analytics");
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            ResultSet group =
                    s.executeQuery("SELECT rolcanlogin FROM pg_roles WHERE rolname = '" + names.group() + "'");
            assertThat(group.next()).isTrue();
            assertThat(group.getBoolean(1)).as("the group cannot log in").isFalse();
            ResultSet login = s.executeQuery("SELECT rolvaliduntil FROM pg_roles WHERE rolname = '" + username + "'");
            assertThat(login.next()).isTrue();
            assertThat(login.getTimestamp(1).toInstant()).isEqualTo(expires);
        }

        try (Connection agent = login(secret);
                Statement s = agent.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT total FROM sales.orders");
            assertThat(rs.next()).isTrue();
            assertThatThrownBy(() -> s.execute("INSERT INTO sales.orders VALUES (2, 20)"))
                    .hasMessageContaining("permission denied");
            assertThatThrownBy(() -> s.executeQuery("SELECT * FROM public.secrets"))
                    .as("schemas outside the policy stay closed")
                    .hasMessageContaining("permission denied");
        }
        // Future tables: the schema owner creates one after the grant.
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("SET ROLE app_owner");
            s.execute("CREATE TABLE sales.refunds (id int)");
        }
        try (Connection agent = login(secret);
                Statement s = agent.createStatement()) {
            s.executeQuery("SELECT count(*) FROM sales.refunds").close();
        }
        RoleBinding binding = client.rbac()
                .roleBindings()
                .inNamespace(NS)
                .withName("pgwarden-sidecar-analytics")
                .get();
        assertThat(binding.getRoleRef().getName()).isEqualTo("pgwarden-sidecar");
        assertThat(binding.getSubjects()).singleElement().satisfies(sub -> {
            assertThat(sub.getName()).isEqualTo("claude");
            assertThat(sub.getNamespace()).isEqualTo(NS);
        });
    }

    @Test
    void aDeletedCredentialsSecretIsWrittenAgainWithAFreshRole() throws Exception {
        client.resource(policy("resilient", "ReadOnly", "1h", postgres.port())).create();
        awaitCondition("resilient", "Ready", "True");
        Secret first =
                client.secrets().inNamespace(NS).withName("pgwarden-resilient").get();
        client.resource(first).delete();
        Await.until(
                () -> {
                    Secret again = client.secrets()
                            .inNamespace(NS)
                            .withName("pgwarden-resilient")
                            .get();
                    return again != null && !value(again, "username").equals(value(first, "username"));
                },
                "the Secret is written again, with a new role (the old password is gone with the Secret)");
        try (Connection agent = login(
                client.secrets().inNamespace(NS).withName("pgwarden-resilient").get())) {
            assertThat(agent.isValid(5)).isTrue();
        }
    }

    @Test
    void aCreateroleAdminThatIsNoSuperuserMintsRotatesDropsAndCleansUp() throws Exception {
        createCreatorAdminSecret();
        client.resource(withAdminSecret(policy("modest", "ReadWrite", "1h", postgres.port()), "pg-creator"))
                .create();
        awaitCondition("modest", "Ready", "True");
        Secret first =
                client.secrets().inNamespace(NS).withName("pgwarden-modest").get();
        String firstRole = value(first, "username");
        try (Connection open = login(first);
                Statement s = open.createStatement()) {
            s.execute("INSERT INTO sales.orders VALUES (9, 90)");
            clock.advance(Duration.ofMinutes(45));
            editSpec("modest", "ReadWrite", "1h");
            awaitPolicy(
                    "modest", p -> !firstRole.equals(p.getStatus().credentials().role()));
            clock.advance(Duration.ofMinutes(20));
            editSpec("modest", "ReadWrite", "1h");
            Await.until(() -> !roleExists(firstRole), "the expired role is dropped by the non-superuser admin");
            assertThatThrownBy(() -> s.executeQuery("SELECT 1"))
                    .as("and its session ended")
                    .isInstanceOfSatisfying(
                            SQLException.class,
                            e -> assertThat(e.getSQLState()).as(e.getMessage()).isIn("57P01", "08006", "08003"));
        }
        DatabaseAccessPolicy p = awaitCondition("modest", "Degraded", "False");
        client.resource(p).delete();
        Await.until(
                () -> client.resources(DatabaseAccessPolicy.class)
                                .inNamespace(NS)
                                .withName("modest")
                                .get()
                        == null,
                "deletion completes");
        assertThat(roleExists(RoleNames.of(NS, "modest").group())).isFalse();
    }

    @Test
    void movingThePolicyToAnotherDatabaseIsRefusedAndGrantsNothingThere() throws Exception {
        client.resource(policy("mover", "ReadOnly", "1h", postgres.port())).create();
        awaitCondition("mover", "Ready", "True");
        String other = database + "_other";
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + other);
        }
        String yaml = client.getKubernetesSerialization()
                .asYaml(policy("mover", "ReadOnly", "1h", postgres.port()))
                .replace("name: \"" + database + "\"", "name: \"" + other + "\"");
        ClusterFixture.replaceSpec(
                client, client.getKubernetesSerialization().unmarshal(yaml, DatabaseAccessPolicy.class));

        DatabaseAccessPolicy refused = awaitCondition("mover", "Degraded", "True");
        assertThat(condition(refused, "Degraded").getReason()).isEqualTo("DatabaseChanged");
        assertThat(condition(refused, "Degraded").getMessage()).contains("roles live in database " + database);
        assertThat(refused.getStatus().observedGeneration())
                .as("the new generation was not applied")
                .isLessThan(refused.getMetadata().getGeneration());
        assertThat(condition(refused, "Ready").getObservedGeneration())
                .isEqualTo(refused.getStatus().observedGeneration());
        assertThat(value(
                        client.secrets()
                                .inNamespace(NS)
                                .withName("pgwarden-mover")
                                .get(),
                        "policy.yaml"))
                .as("sidecars keep the policy that was applied")
                .contains(database)
                .doesNotContain(other);
        String group = RoleNames.of(NS, "mover").group();
        try (Connection c = postgres.superuser(other);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_namespace n, aclexplode(n.nspacl) a"
                        + " WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = '" + group + "')")) {
            rs.next();
            assertThat(rs.getInt(1)).as("no grants in the other database").isZero();
        }

        // Deleting it cleans up where the roles really are.
        client.resource(client.resources(DatabaseAccessPolicy.class)
                        .inNamespace(NS)
                        .withName("mover")
                        .get())
                .delete();
        Await.until(
                () -> client.resources(DatabaseAccessPolicy.class)
                                .inNamespace(NS)
                                .withName("mover")
                                .get()
                        == null,
                "deletion completes");
        assertThat(roleExists(group)).isFalse();
    }

    @Test
    void switchingModesGrantsAndRevokesWrites() throws Exception {
        client.resource(policy("writer", "ReadWrite", "1h", postgres.port())).create();
        awaitCondition("writer", "Ready", "True");
        Secret secret =
                client.secrets().inNamespace(NS).withName("pgwarden-writer").get();
        try (Connection agent = login(secret);
                Statement s = agent.createStatement()) {
            s.execute("INSERT INTO sales.orders VALUES (3, 30)");
            s.execute("UPDATE sales.orders SET total = 31 WHERE id = 3");
            s.execute("DELETE FROM sales.orders WHERE id = 3");
            assertThatThrownBy(() -> s.execute("TRUNCATE sales.orders")).hasMessageContaining("permission denied");
            assertThatThrownBy(() -> s.execute("CREATE TABLE sales.mine (id int)"))
                    .hasMessageContaining("permission denied");
        }

        DatabaseAccessPolicy p = client.resources(DatabaseAccessPolicy.class)
                .inNamespace(NS)
                .withName("writer")
                .get();
        ClusterFixture.replaceSpec(client, policy("writer", "ReadOnly", "1h", postgres.port()));
        awaitPolicy(
                "writer",
                q -> q.getStatus() != null
                        && q.getStatus().observedGeneration() > p.getMetadata().getGeneration());
        try (Connection agent = login(secret);
                Statement s = agent.createStatement()) {
            assertThatThrownBy(() -> s.execute("INSERT INTO sales.orders VALUES (4, 40)"))
                    .hasMessageContaining("permission denied");
            s.executeQuery("SELECT 1 FROM sales.orders").close();
        }
    }

    @Test
    void defaultPrivilegesNoLongerExplainedByThePolicyAreRevoked() throws Exception {
        client.resource(policy("heir", "ReadWrite", "1h", postgres.port())).create();
        awaitCondition("heir", "Ready", "True");
        String group = RoleNames.of(NS, "heir").group();
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            // The schema changes hands, and someone once gave the group app_owner's future tables in public.
            s.execute("CREATE ROLE heir_owner NOLOGIN");
            s.execute("ALTER SCHEMA sales OWNER TO heir_owner");
            s.execute("GRANT CREATE ON SCHEMA sales, public TO app_owner");
            s.execute(
                    "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public GRANT SELECT ON TABLES TO " + group);
            s.execute("GRANT pg_read_all_data TO " + group);
        }
        DatabaseAccessPolicy before = client.resources(DatabaseAccessPolicy.class)
                .inNamespace(NS)
                .withName("heir")
                .get();
        ClusterFixture.replaceSpec(client, policy("heir", "ReadOnly", "1h", postgres.port()));
        awaitPolicy(
                "heir",
                q -> q.getStatus() != null
                        && q.getStatus().observedGeneration()
                                > before.getMetadata().getGeneration());

        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("SET ROLE app_owner");
            s.execute("CREATE TABLE sales.later (id int)");
            s.execute("CREATE TABLE public.later (id int)");
            ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_default_acl d, aclexplode(d.defaclacl) a"
                    + " WHERE d.defaclrole = 'app_owner'::regrole AND a.grantee = '" + group + "'::regrole");
            rs.next();
            assertThat(rs.getInt(1))
                    .as("no default privileges left from the former owner")
                    .isZero();
            rs = s.executeQuery("SELECT pg_has_role('" + group + "', 'pg_read_all_data', 'MEMBER')");
            rs.next();
            assertThat(rs.getBoolean(1))
                    .as("a membership the policy does not grant is revoked")
                    .isFalse();
        }
        Secret secret =
                client.secrets().inNamespace(NS).withName("pgwarden-heir").get();
        try (Connection agent = login(secret);
                Statement s = agent.createStatement()) {
            assertThatThrownBy(() -> s.execute("INSERT INTO sales.later VALUES (1)"))
                    .as("the former owner's new table is not writable")
                    .hasMessageContaining("permission denied");
            assertThatThrownBy(() -> s.executeQuery("SELECT 1 FROM public.later"))
                    .as("nor is a hand-made default grant in another schema kept")
                    .hasMessageContaining("permission denied");
            s.executeQuery("SELECT 1 FROM sales.orders").close();
        }
    }

    @Test
    void privilegesTheAdminCannotRevokeAreReportedWithTheStatementToRun() throws Exception {
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE outsider NOLOGIN");
            s.execute("CREATE TABLE sales.theirs (id int)");
            s.execute("ALTER TABLE sales.theirs OWNER TO outsider");
        }
        createCreatorAdminSecret();
        client.resource(withAdminSecret(policy("audited", "ReadOnly", "1h", postgres.port()), "pg-creator"))
                .create();
        // A table the admin has no rights on does not stop the rest: it is granted what it can be,
        // and the one grant it cannot make is named with the owner who can.
        DatabaseAccessPolicy partial = awaitCondition("audited", "Degraded", "True");
        assertThat(condition(partial, "Ready").getStatus()).isEqualTo("True");
        String group = RoleNames.of(NS, "audited").group();
        assertThat(condition(partial, "Degraded").getMessage())
                .contains("SELECT on \"sales\".\"theirs\" is not granted")
                .contains("run as outsider: GRANT SELECT ON \"sales\".\"theirs\" TO \"" + group + "\"");
        try (Connection agent = login(client.secrets()
                        .inNamespace(NS)
                        .withName("pgwarden-audited")
                        .get());
                Statement s = agent.createStatement()) {
            s.executeQuery("SELECT 1 FROM sales.orders").close();
        }
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("GRANT SELECT ON sales.theirs TO " + group);
        }
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("GRANT TRUNCATE ON sales.orders, sales.theirs TO " + group);
            s.execute("GRANT UPDATE (total) ON sales.orders TO " + group);
            s.execute("ALTER DEFAULT PRIVILEGES FOR ROLE outsider IN SCHEMA sales GRANT INSERT ON TABLES TO " + group);
            s.execute("GRANT pg_read_all_data TO " + group);
        }
        long before = client.resources(DatabaseAccessPolicy.class)
                .inNamespace(NS)
                .withName("audited")
                .get()
                .getMetadata()
                .getGeneration();
        editSpec("audited", "ReadOnly", "1h");
        DatabaseAccessPolicy degraded = awaitPolicy(
                "audited",
                p -> p.getStatus() != null
                        && p.getStatus().observedGeneration() != null
                        && p.getStatus().observedGeneration() > before
                        && "PrivilegeDrift".equals(condition(p, "Degraded").getReason()));
        assertThat(condition(degraded, "Ready").getStatus())
                .as("agents still get credentials")
                .isEqualTo("True");
        assertThat(condition(degraded, "Degraded").getStatus()).isEqualTo("True");
        String message = condition(degraded, "Degraded").getMessage();
        assertThat(message)
                .contains("run as outsider: REVOKE TRUNCATE ON TABLE \"sales\".\"theirs\" FROM \"" + group + "\"")
                .contains(
                        "ALTER DEFAULT PRIVILEGES FOR ROLE \"outsider\" IN SCHEMA \"sales\" REVOKE ALL ON TABLES FROM")
                .contains("is a member of pg_read_all_data")
                .contains("REVOKE \"pg_read_all_data\" FROM \"" + group + "\"")
                .doesNotContain("\"orders\"");
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT has_table_privilege('" + group + "', 'sales.orders', 'TRUNCATE'),"
                        + " has_column_privilege('" + group + "', 'sales.orders', 'total', 'UPDATE')")) {
            rs.next();
            assertThat(rs.getBoolean(1))
                    .as("what the admin can revoke is revoked: a table privilege")
                    .isFalse();
            assertThat(rs.getBoolean(2)).as("and a column privilege").isFalse();
        }

        // A superuser runs the statements the status names; the next reconcile clears Degraded.
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("REVOKE TRUNCATE ON \"sales\".\"theirs\" FROM \"" + group + "\"");
            s.execute("ALTER DEFAULT PRIVILEGES FOR ROLE \"outsider\" IN SCHEMA \"sales\" REVOKE ALL ON TABLES FROM \""
                    + group + "\"");
            s.execute("REVOKE pg_read_all_data FROM " + group);
        }
        editSpec("audited", "ReadOnly", "1h");
        awaitCondition("audited", "Degraded", "False");
    }

    @Test
    void aReconcileThatChangesNothingWritesNoCatalogRow() throws Exception {
        createReady("steady", "ReadWrite", "1h");
        String rows = "SELECT (SELECT xmin::text FROM pg_class WHERE oid = 'sales.orders'::regclass)"
                + " || ' ' || (SELECT xmin::text FROM pg_namespace WHERE nspname = 'sales')"
                + " || ' ' || (SELECT xmin::text FROM pg_database WHERE datname = current_database())"
                + " || ' ' || (SELECT string_agg(xmin::text, ',' ORDER BY oid) FROM pg_default_acl)";
        String before = firstValue(rows);
        long generation = client.resources(DatabaseAccessPolicy.class)
                .inNamespace(NS)
                .withName("steady")
                .get()
                .getMetadata()
                .getGeneration();
        editSpec("steady", "ReadWrite", "1h");
        awaitPolicy("steady", p -> p.getStatus() != null && p.getStatus().observedGeneration() > generation);
        // Application DDL and grants update these rows too; rewriting them on every reconcile would
        // make both sides fail now and then with "tuple concurrently updated".
        assertThat(firstValue(rows))
                .as("the table's, schema's, database's and default ACL rows are untouched")
                .isEqualTo(before);
    }

    @Test
    void rotatesBeforeExpiryKeepingOpenSessionsAndDropsExpiredRoles() throws Exception {
        Secret first = createReady("rotating", "ReadOnly", "1h");
        String firstRole = value(first, "username");

        try (Connection open = login(first)) {
            // Two thirds of the lifetime pass; a spec edit (new generation) is what brings the reconcile here.
            clock.advance(Duration.ofMinutes(45));
            editSpec("rotating", "ReadOnly", "1h");
            awaitPolicy(
                    "rotating",
                    p -> p.getStatus() != null
                            && !firstRole.equals(p.getStatus().credentials().role()));
            Secret second = client.secrets()
                    .inNamespace(NS)
                    .withName("pgwarden-rotating")
                    .get();
            String secondRole = value(second, "username");
            assertThat(secondRole).isNotEqualTo(firstRole);
            assertThat(value(second, "audit.key")).as("keys survive rotation").isEqualTo(value(first, "audit.key"));
            assertThat(value(second, "mask.key")).isEqualTo(value(first, "mask.key"));
            assertThat(roleExists(firstRole))
                    .as("the old role stays until it expires")
                    .isTrue();
            try (Statement s = open.createStatement()) {
                s.executeQuery("SELECT 1 FROM sales.orders").close();
            }
            try (Connection fresh = login(second)) {
                assertThat(fresh.isValid(5)).isTrue();
            }

            clock.advance(Duration.ofMinutes(20));
            editSpec("rotating", "ReadOnly", "1h");
            Await.until(() -> !roleExists(firstRole), "the expired role is dropped");
            assertThat(roleExists(secondRole)).isTrue();
            try (Statement s = open.createStatement()) {
                assertThatThrownBy(() -> s.executeQuery("SELECT 1"))
                        .as("a session of an expired credential ends")
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState())
                                        .as(e.getMessage())
                                        .isIn("57P01", "08006", "08003"));
            }
        }
    }

    @Test
    void loweringTheTtlCutsTheCurrentCredentialShort() throws Exception {
        client.resource(policy("shrinking", "ReadOnly", "24h", postgres.port())).create();
        awaitCondition("shrinking", "Ready", "True");
        String before = value(
                client.secrets().inNamespace(NS).withName("pgwarden-shrinking").get(), "username");
        ClusterFixture.replaceSpec(client, policy("shrinking", "ReadOnly", "10m", postgres.port()));
        DatabaseAccessPolicy p = awaitPolicy(
                "shrinking",
                q -> q.getStatus() != null
                        && !before.equals(q.getStatus().credentials().role()));
        Instant expires = Instant.parse(p.getStatus().credentials().expiresAt());
        assertThat(Duration.between(clock.instant(), expires)).isLessThanOrEqualTo(Duration.ofMinutes(10));
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT rolvaliduntil FROM pg_roles WHERE rolname = '" + before + "'");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getTimestamp(1).toInstant()).isBefore(clock.instant().plus(Duration.ofMinutes(11)));
        }
    }

    @Test
    void deletingThePolicyDropsItsRolesSecretAndBinding() throws Exception {
        client.resource(policy("temporary", "ReadOnly", "1h", postgres.port())).create();
        awaitCondition("temporary", "Ready", "True");
        String role = value(
                client.secrets().inNamespace(NS).withName("pgwarden-temporary").get(), "username");
        RoleNames names = RoleNames.of(NS, "temporary");
        assertThat(roleExists(names.group())).isTrue();
        DatabaseAccessPolicy p = client.resources(DatabaseAccessPolicy.class)
                .inNamespace(NS)
                .withName("temporary")
                .get();
        assertThat(p.getMetadata().getFinalizers()).contains(PolicyReconciler.FINALIZER);

        client.resource(p).delete();
        Await.until(
                () -> client.resources(DatabaseAccessPolicy.class)
                                .inNamespace(NS)
                                .withName("temporary")
                                .get()
                        == null,
                "the finalizer is removed once the roles are gone");
        assertThat(roleExists(role)).isFalse();
        assertThat(roleExists(names.group())).isFalse();
        assertThat(client.secrets()
                        .inNamespace(NS)
                        .withName("pgwarden-temporary")
                        .get())
                .isNull();
        assertThat(client.rbac()
                        .roleBindings()
                        .inNamespace(NS)
                        .withName("pgwarden-sidecar-temporary")
                        .get())
                .isNull();
    }

    @Test
    void anUnreachableDatabaseIsDegradedAndRecovers() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        client.resource(policy("unreachable", "ReadOnly", "1h", closedPort)).create();
        DatabaseAccessPolicy degraded = awaitCondition("unreachable", "Degraded", "True");
        assertThat(condition(degraded, "Degraded").getReason()).isEqualTo("DatabaseUnavailable");
        assertThat(condition(degraded, "Degraded").getMessage())
                .contains("cannot connect to database " + database)
                .contains("127.0.0.1:" + closedPort)
                .contains("retrying");
        assertThat(condition(degraded, "Ready").getStatus()).isEqualTo("False");
        assertThat(client.secrets()
                        .inNamespace(NS)
                        .withName("pgwarden-unreachable")
                        .get())
                .isNull();

        ClusterFixture.replaceSpec(client, policy("unreachable", "ReadOnly", "1h", postgres.port()));
        DatabaseAccessPolicy ready = awaitCondition("unreachable", "Ready", "True");
        assertThat(condition(ready, "Degraded").getStatus()).isEqualTo("False");
    }

    @Test
    void aMissingAdminSecretIsDegradedUntilItAppears() throws Exception {
        DatabaseAccessPolicy p = policy("no-admin", "ReadOnly", "1h", postgres.port());
        p.getSpec().database().adminSecretRef();
        client.resource(withAdminSecret(p, "not-there-yet")).create();
        DatabaseAccessPolicy degraded = awaitCondition("no-admin", "Degraded", "True");
        assertThat(condition(degraded, "Degraded").getReason()).isEqualTo("AdminSecretMissing");
        assertThat(condition(degraded, "Degraded").getMessage())
                .contains("not-there-yet")
                .contains("username and password");

        Secret admin = adminSecret();
        admin.getMetadata().setName("not-there-yet");
        client.resource(admin).create();
        awaitCondition("no-admin", "Ready", "True");
    }

    @Test
    void anAdminSecretMustOptInAndMayPinItsDatabase() throws Exception {
        Secret unmarked = adminSecret();
        unmarked.getMetadata().setName("someone-elses");
        unmarked.getMetadata().setLabels(null);
        client.resource(unmarked).create();
        client.resource(withAdminSecret(policy("borrower", "ReadOnly", "1h", postgres.port()), "someone-elses"))
                .create();
        DatabaseAccessPolicy refused = awaitCondition("borrower", "Degraded", "True");
        assertThat(condition(refused, "Degraded").getReason()).isEqualTo("AdminSecretRefused");
        assertThat(condition(refused, "Degraded").getMessage())
                .contains("pgwarden.dev/admin-secret=true")
                .doesNotContain(ADMIN)
                .doesNotContain(ADMIN_PASSWORD);

        Secret pinned = adminSecret();
        pinned.getMetadata().setName("pinned-elsewhere");
        pinned.getData()
                .put("host", Base64.getEncoder().encodeToString("db.other.svc".getBytes(StandardCharsets.UTF_8)));
        client.resource(pinned).create();
        client.resource(withAdminSecret(policy("redirected", "ReadOnly", "1h", postgres.port()), "pinned-elsewhere"))
                .create();
        DatabaseAccessPolicy mismatch = awaitCondition("redirected", "Degraded", "True");
        assertThat(condition(mismatch, "Degraded").getMessage()).contains("pinned to host db.other.svc");
        assertThat(roleExists(RoleNames.of(NS, "borrower").group())).isFalse();
        assertThat(roleExists(RoleNames.of(NS, "redirected").group())).isFalse();
    }

    @Test
    void systemSchemasAndOddHostsAreInvalid() throws Exception {
        DatabaseAccessPolicy p = client.getKubernetesSerialization()
                .unmarshal(
                        client.getKubernetesSerialization()
                                .asYaml(policy("catalog-reader", "ReadOnly", "1h", postgres.port()))
                                .replace("- \"sales\"", "- \"pg_catalog\"")
                                .replace("host: \"127.0.0.1\"", "host: \"127.0.0.1/x?ssl=false\""),
                        DatabaseAccessPolicy.class);
        client.resource(p).create();
        DatabaseAccessPolicy invalid = awaitCondition("catalog-reader", "Ready", "False");
        assertThat(condition(invalid, "Ready").getMessage())
                .contains("pg_catalog is a system schema")
                .contains("spec.database.host: must be a host name");
    }

    @Test
    void anInvalidPolicyIsNotReadyAndGetsNoCredentials() throws Exception {
        DatabaseAccessPolicy p = policy("too-short", "ReadOnly", "30s", postgres.port());
        client.resource(p).create();
        DatabaseAccessPolicy invalid = awaitCondition("too-short", "Ready", "False");
        assertThat(condition(invalid, "Ready").getReason()).isEqualTo("InvalidPolicy");
        assertThat(condition(invalid, "Ready").getMessage())
                .contains("credentialTTL")
                .contains("at least 1m");
        assertThat(client.secrets()
                        .inNamespace(NS)
                        .withName("pgwarden-too-short")
                        .get())
                .isNull();
        assertThat(roleExists(RoleNames.of(NS, "too-short").group())).isFalse();
    }

    @Test
    void anInvalidEditKeepsNothingAlivePastItsExpiry() throws Exception {
        Secret secret = createReady("lapsing", "ReadOnly", "1h");
        String role = value(secret, "username");

        try (Connection open = login(secret)) {
            ClusterFixture.replaceSpec(client, policy("lapsing", "ReadOnly", "30s", postgres.port()));
            DatabaseAccessPolicy invalid = awaitPolicy(
                    "lapsing",
                    p -> p.getStatus() != null
                            && "InvalidPolicy".equals(condition(p, "Ready").getReason()));
            assertThat(condition(invalid, "Ready").getMessage())
                    .contains("credentialTTL")
                    .contains("sidecars keep the last valid policy (generation 1) and role " + role)
                    .contains("is not renewed");
            assertThat(roleExists(role))
                    .as("the credential handed out stays valid until its expiry")
                    .isTrue();
            try (Statement s = open.createStatement()) {
                s.executeQuery("SELECT 1 FROM sales.orders").close();
            }

            // Its hour passes while the spec is still invalid: the role goes and so does its session.
            clock.advance(Duration.ofMinutes(61));
            ClusterFixture.replaceSpec(client, policy("lapsing", "ReadOnly", "20s", postgres.port()));
            Await.until(() -> !roleExists(role), "the expired role of an invalid policy is dropped");
            try (Statement s = open.createStatement()) {
                assertThatThrownBy(() -> s.executeQuery("SELECT 1"))
                        .as("a session of an expired credential ends")
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState())
                                        .as(e.getMessage())
                                        .isIn("57P01", "08006", "08003"));
            }
        }
        try (Connection c = postgres.superuser(database)) {
            assertThat(new PolicyDatabase(c).logins(RoleNames.of(NS, "lapsing")))
                    .as("nothing new was minted")
                    .isEmpty();
        }
        assertThat(value(
                        client.secrets()
                                .inNamespace(NS)
                                .withName("pgwarden-lapsing")
                                .get(),
                        "username"))
                .as("the Secret still carries the last valid policy's credential")
                .isEqualTo(role);
    }

    @Test
    void aRoleOfTheGroupsNameThatPgwardenDidNotCreateIsNeitherAdoptedNorDropped() throws Exception {
        String group = RoleNames.of(NS, "squatter").group();
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + group + " LOGIN PASSWORD 'dba-owned'");
        }
        client.resource(policy("squatter", "ReadOnly", "1h", postgres.port())).create();
        DatabaseAccessPolicy degraded = awaitCondition("squatter", "Degraded", "True");
        assertThat(condition(degraded, "Degraded").getReason()).isEqualTo("RoleConflict");
        assertThat(condition(degraded, "Degraded").getMessage())
                .contains("role " + group + " already exists")
                .contains("pgwarden did not create it");
        assertThat(client.secrets()
                        .inNamespace(NS)
                        .withName("pgwarden-squatter")
                        .get())
                .isNull();
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT r.rolcanlogin, (SELECT count(*) FROM pg_auth_members m"
                        + " WHERE m.roleid = r.oid), has_schema_privilege(r.oid, 'sales', 'USAGE')"
                        + " FROM pg_roles r WHERE rolname = '" + group + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1))
                    .as("still LOGIN: not turned into a group")
                    .isTrue();
            assertThat(rs.getInt(2)).as("no login roles minted into it").isZero();
            assertThat(rs.getBoolean(3)).as("nothing granted to it").isFalse();
        }

        client.resource(client.resources(DatabaseAccessPolicy.class)
                        .inNamespace(NS)
                        .withName("squatter")
                        .get())
                .delete();
        Await.until(
                () -> client.resources(DatabaseAccessPolicy.class)
                                .inNamespace(NS)
                                .withName("squatter")
                                .get()
                        == null,
                "deletion completes");
        assertThat(roleExists(group))
                .as("deleting the policy leaves the DBA's role alone")
                .isTrue();
    }

    @Test
    void aForeignSecretOfTheSameNameIsNotOverwritten() throws Exception {
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("pgwarden-taken")
                        .withNamespace(NS)
                        .endMetadata()
                        .addToStringData("username", "someone")
                        .build())
                .create();
        client.resource(policy("taken", "ReadOnly", "1h", postgres.port())).create();
        DatabaseAccessPolicy degraded = awaitCondition("taken", "Degraded", "True");
        assertThat(condition(degraded, "Degraded").getMessage()).contains("pgwarden did not create it");
        Secret untouched =
                client.secrets().inNamespace(NS).withName("pgwarden-taken").get();
        assertThat(untouched.getData()).doesNotContainKey("password");
    }

    @Test
    void aMaskedPolicyIsReadyWithItsMaskingViewsAndEditsOfItsRulesConverge() throws Exception {
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("SET ROLE app_owner");
            s.execute("CREATE TABLE sales.customers (id int, name text, email text, ssn text)");
            s.execute("INSERT INTO sales.customers VALUES (1, 'Alice', 'alice.secret@example.com', '123-45-6789')");
        }
        client.resource(masked("masked", "pg-admin", EMAIL_PARTIAL, SSN_HASH)).create();
        DatabaseAccessPolicy ready = awaitCondition("masked", "Ready", "True");

        assertThat(condition(ready, "Degraded").getStatus()).isEqualTo("False");
        assertThat(condition(ready, "Ready").getMessage()).contains("the database masks \"sales\".\"customers\"");
        String viewSchema = MaskingSchemas.viewSchema(RoleNames.of(NS, "masked").group(), "sales");
        assertThat(firstValue("SELECT string_agg(viewname, ',') FROM pg_views WHERE schemaname = '" + viewSchema + "'"))
                .isEqualTo("customers");
        Secret secret =
                client.secrets().inNamespace(NS).withName("pgwarden-masked").get();
        try (Connection agent = login(secret)) {
            assertThat(row(agent, "SELECT name, email, ssn FROM customers"))
                    .as("hashed with the sidecars' mask.key")
                    .containsExactly("Alice", "****@example.com", hash(secret, "masked", "123-45-6789"));
            assertThat(Queries.sqlState(agent, "SELECT email FROM sales.customers"))
                    .isEqualTo("42501");
            assertThat(row(agent, "SELECT total FROM sales.orders")).containsExactly("10");
        }
        awaitEvent("MaskingApplied", "the database masks \"sales\".\"customers\"");

        long generation = ready.getMetadata().getGeneration();
        ClusterFixture.replaceSpec(
                client, masked("masked", "pg-admin", "  - {columns: [sales.customers.email], strategy: redact}"));
        awaitPolicy("masked", p -> p.getStatus().observedGeneration() > generation);
        try (Connection agent = login(secret)) {
            assertThat(row(agent, "SELECT email, ssn FROM customers")).containsExactly("[redacted]", "123-45-6789");
            assertThat(row(agent, "SELECT ssn FROM sales.customers")).containsExactly("123-45-6789");
        }

        long masking = client.resources(DatabaseAccessPolicy.class)
                .inNamespace(NS)
                .withName("masked")
                .get()
                .getMetadata()
                .getGeneration();
        ClusterFixture.replaceSpec(client, masked("masked", "pg-admin"));
        DatabaseAccessPolicy unmasked = awaitPolicy("masked", p -> p.getStatus().observedGeneration() > masking);
        assertThat(condition(unmasked, "Ready").getMessage()).doesNotContain("the database masks");
        try (Connection agent = login(secret)) {
            assertThat(row(agent, "SELECT email FROM sales.customers")).containsExactly("alice.secret@example.com");
        }
        assertThat(firstValue("SELECT count(*) FROM pg_namespace WHERE nspname = '" + viewSchema + "'"))
                .isEqualTo("0");
        awaitEvent("MaskingApplied", "masking removed");
    }

    @Test
    void maskingTheAdminCannotMakeIsDegradedWithTheStatementsThatFixIt() throws Exception {
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE ledger_owner NOLOGIN");
            s.execute("CREATE TABLE sales.ledger (id int, iban text)");
            s.execute("INSERT INTO sales.ledger VALUES (1, 'DE89370400440532013000')");
            s.execute("ALTER TABLE sales.ledger OWNER TO ledger_owner");
            s.execute("GRANT SELECT ON sales.ledger TO " + CREATOR);
        }
        createCreatorAdminSecret();
        // The admin may neither restrict the ledger (not its owner's privileges) nor create the masking schemas.
        client.resource(masked("ledger", "pg-creator", "  - {columns: [sales.ledger.iban], strategy: hash}"))
                .create();
        DatabaseAccessPolicy degraded = awaitCondition("ledger", "Degraded", "True");

        assertThat(condition(degraded, "Ready").getStatus())
                .as("agents still get credentials")
                .isEqualTo("True");
        assertThat(condition(degraded, "Degraded").getReason()).isEqualTo("MaskingDrift");
        String group = "\"" + RoleNames.of(NS, "ledger").group() + "\"";
        String restrict = "REVOKE ALL ON TABLE \"sales\".\"ledger\" FROM " + group + "; GRANT SELECT (\"id\") ON TABLE"
                + " \"sales\".\"ledger\" TO " + group;
        String create = "GRANT CREATE ON DATABASE \"" + database + "\" TO \"" + CREATOR + "\"";
        assertThat(condition(degraded, "Degraded").getMessage())
                .startsWith("masking for group")
                .contains("run as \"ledger_owner\": " + restrict)
                .contains("run as \"postgres\": " + create);
        awaitEvent("MaskingDrift", create);
        try (Connection agent = login(
                client.secrets().inNamespace(NS).withName("pgwarden-ledger").get())) {
            assertThat(Queries.sqlState(agent, "SELECT iban FROM sales.ledger"))
                    .as("what cannot be masked is not readable")
                    .isEqualTo("42501");
            assertThat(row(agent, "SELECT total FROM sales.orders")).containsExactly("10");
        }

        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            for (String statement : (create + "; " + restrict).split("; ")) {
                s.execute(statement);
            }
        }
        ClusterFixture.replaceSpec(
                client, masked("ledger", "pg-creator", "  - {columns: [sales.ledger.iban], strategy: hash}"));
        awaitCondition("ledger", "Degraded", "False");
        try (Connection agent = login(
                client.secrets().inNamespace(NS).withName("pgwarden-ledger").get())) {
            assertThat(row(agent, "SELECT id, iban FROM ledger"))
                    .containsExactly(
                            "1",
                            hash(
                                    client.secrets()
                                            .inNamespace(NS)
                                            .withName("pgwarden-ledger")
                                            .get(),
                                    "ledger",
                                    "DE89370400440532013000"));
            assertThat(Queries.sqlState(agent, "SELECT iban FROM sales.ledger")).isEqualTo("42501");
        }
    }

    // --- fixtures

    /**
     * A ReadOnly policy with masking rules (YAML list items under {@code spec.masking}), a statement
     * rule that makes every call a new generation, and the admin Secret given.
     */
    private DatabaseAccessPolicy masked(String name, String adminSecret, String... rules) {
        String yaml = client.getKubernetesSerialization()
                .asYaml(withAdminSecret(policy(name, "ReadOnly", "1h", postgres.port()), adminSecret));
        String masking = rules.length == 0 ? "" : "masking:\n" + String.join("\n", rules) + "\n  ";
        yaml = yaml.replace(
                "access:",
                masking + "rules:\n  - {name: r" + System.nanoTime()
                        + ", statements: [DROP], action: Deny}\n  access:");
        return client.getKubernetesSerialization().unmarshal(yaml, DatabaseAccessPolicy.class);
    }

    /** What the proxy's hash strategy shows for a text value, keyed as it keys it from the Secret's mask.key. */
    private static String hash(Secret secret, String policy, String value) throws GeneralSecurityException {
        byte[] policyKey =
                hmac(Base64.getDecoder().decode(secret.getData().get("mask.key")), "pgwarden-mask/" + policy);
        return "hmac:" + HexFormat.of().formatHex(hmac(policyKey, value), 0, 12);
    }

    private static byte[] hmac(byte[] key, String message) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    }

    /** The first row's values. */
    private static List<String> row(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as(sql + " returns a row").isTrue();
            List<String> out = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                out.add(rs.getString(i));
            }
            return out;
        }
    }

    private void awaitEvent(String reason, String noteContains) throws InterruptedException {
        Await.until(
                () -> client.events().v1().events().inNamespace(NS).list().getItems().stream()
                        .anyMatch(
                                e -> reason.equals(e.getReason()) && e.getNote().contains(noteContains)),
                "an event " + reason + " saying " + noteContains);
    }

    private DatabaseAccessPolicy policy(String name, String mode, String ttl, int port) {
        String yaml = """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: %s, namespace: %s}
        spec:
          database: {host: 127.0.0.1, port: %d, name: %s, sslMode: disable, adminSecretRef: {name: pg-admin}}
          subjects:
            - serviceAccount: agents/claude
            - serviceAccount: other/not-here
          access: {mode: %s, schemas: [sales], credentialTTL: %s}
        """.formatted(name, NS, port, database, mode, ttl);
        return client.getKubernetesSerialization().unmarshal(yaml, DatabaseAccessPolicy.class);
    }

    private DatabaseAccessPolicy withAdminSecret(DatabaseAccessPolicy p, String secret) {
        String yaml =
                client.getKubernetesSerialization().asYaml(p).replace("name: \"pg-admin\"", "name: \"" + secret + "\"");
        return client.getKubernetesSerialization().unmarshal(yaml, DatabaseAccessPolicy.class);
    }

    /** Admin Secret pg-creator: a CREATEROLE role that is no superuser and holds app_owner's privileges. */
    private void createCreatorAdminSecret() {
        Secret creator = adminSecret();
        creator.getMetadata().setName("pg-creator");
        creator.getData().put("username", Base64.getEncoder().encodeToString(CREATOR.getBytes(StandardCharsets.UTF_8)));
        client.resource(creator).create();
    }

    private String firstValue(String query) throws SQLException {
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Creates a policy, waits until it is Ready and returns its credentials Secret. */
    private Secret createReady(String name, String mode, String ttl) throws InterruptedException {
        client.resource(policy(name, mode, ttl, postgres.port())).create();
        awaitCondition(name, "Ready", "True");
        return client.secrets().inNamespace(NS).withName("pgwarden-" + name).get();
    }

    /** A harmless spec change that keeps the policy's admin Secret: a new generation, acted on at once. */
    private void editSpec(String name, String mode, String ttl) {
        DatabaseAccessPolicy current = client.resources(DatabaseAccessPolicy.class)
                .inNamespace(NS)
                .withName(name)
                .get();
        DatabaseAccessPolicy next = withAdminSecret(
                policy(name, mode, ttl, postgres.port()),
                current.getSpec().database().adminSecretRef().name());
        String yaml = client.getKubernetesSerialization()
                .asYaml(next)
                .replace(
                        "access:",
                        "rules:\n  - {name: r" + System.nanoTime() + ", statements: [DROP], action: Deny}\n  access:");
        ClusterFixture.replaceSpec(
                client, client.getKubernetesSerialization().unmarshal(yaml, DatabaseAccessPolicy.class));
    }

    private Secret adminSecret() {
        return new SecretBuilder()
                .withNewMetadata()
                .withName("pg-admin")
                .withNamespace(NS)
                .addToLabels(PgwardenLabels.ADMIN_SECRET, "true")
                .endMetadata()
                .addToData(new java.util.HashMap<>(Map.of(
                        "username", Base64.getEncoder().encodeToString(ADMIN.getBytes(StandardCharsets.UTF_8)),
                        "password",
                                Base64.getEncoder().encodeToString(ADMIN_PASSWORD.getBytes(StandardCharsets.UTF_8)))))
                .build();
    }

    private Connection login(Secret secret) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", value(secret, "username"));
        p.setProperty("password", value(secret, "password"));
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/" + database, p);
    }

    private boolean roleExists(String role) {
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + role + "'")) {
            return rs.next();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String value(Secret secret, String key) {
        return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    }

    private static Condition condition(DatabaseAccessPolicy p, String type) {
        return Conditions.find(p.getStatus().conditions(), type);
    }

    private DatabaseAccessPolicy awaitPolicy(String name, Predicate<DatabaseAccessPolicy> test)
            throws InterruptedException {
        return Await.value(
                () -> client.resources(DatabaseAccessPolicy.class)
                        .inNamespace(NS)
                        .withName(name)
                        .get(),
                test,
                "policy " + name + " reaches the expected state");
    }

    private DatabaseAccessPolicy awaitCondition(String name, String type, String status) throws InterruptedException {
        return awaitPolicy(
                name,
                p -> p.getStatus() != null
                        && p.getStatus().conditions() != null
                        && condition(p, type) != null
                        && status.equals(condition(p, type).getStatus()));
    }

    @SuppressWarnings("unused")
    private static List<String> names(List<LoginRole> roles) {
        return roles.stream().map(LoginRole::name).toList();
    }
}
