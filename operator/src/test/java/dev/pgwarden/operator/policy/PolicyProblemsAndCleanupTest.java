package dev.pgwarden.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.database.RoleNames;
import dev.pgwarden.database.masking.MaskingSchemas;
import dev.pgwarden.operator.Await;
import dev.pgwarden.operator.ClusterFixture;
import dev.pgwarden.operator.MutableClock;
import dev.pgwarden.testkit.TestPostgres;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * README's promises about a policy's life that need the database or the API to misbehave: the
 * Degraded reasons {@code DatabaseError}, {@code SchemaNotFound} and {@code KubernetesError}, each
 * provoked for real and recovered from; the Events the operator records on the policy; and what
 * deleting a policy does with and without {@code pgwarden.dev/skip-database-cleanup}. Real JOSDK
 * operator, Fabric8 mock API server in CRUD mode, embedded PostgreSQL.
 */
@EnableKubernetesMockClient(crud = true)
class PolicyProblemsAndCleanupTest {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    /** A namespace of its own, so that group role names never meet those of other test classes. */
    private static final String NS = "promises";

    KubernetesMockServer server;
    KubernetesClient client;
    private final MutableClock clock = new MutableClock();
    private final TestPostgres postgres = TestPostgres.shared();
    private Operator operator;
    private String database;

    @BeforeEach
    void start() throws SQLException {
        database = "promises_db_" + DATABASES.incrementAndGet();
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database);
            s.execute("CREATE DATABASE " + database);
        }
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA sales");
            s.execute("CREATE TABLE sales.customers (id int, email text)");
            s.execute("INSERT INTO sales.customers VALUES (1, 'ada@example.com')");
        }
        ClusterFixture.installCrds(client);
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("pg-admin")
                        .withNamespace(NS)
                        .addToLabels(PgwardenLabels.ADMIN_SECRET, "true")
                        .endMetadata()
                        .addToStringData("username", "postgres")
                        .addToStringData("password", "trust-on-loopback")
                        .build())
                .create();
        operator = ClusterFixture.startOperator(client, clock, Duration.ofHours(1));
    }

    @AfterEach
    void stop() throws SQLException {
        operator.stop();
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + database + " WITH ALLOW_CONNECTIONS true");
        }
    }

    // --- pgwarden.dev/skip-database-cleanup

    @Test
    void deletingAPolicyDropsItsGroupLoginsAndMaskingViews() throws Exception {
        client.resource(policy("dropped", "sales")).create();
        DatabaseAccessPolicy ready = awaitCondition("dropped", "Ready", "True");
        String login = ready.getStatus().credentials().role();
        RoleNames names = RoleNames.of(NS, "dropped");
        String views = MaskingSchemas.viewSchema(names.group(), "sales");
        assertThat(roleExists(names.group())).isTrue();
        assertThat(roleExists(login)).isTrue();
        assertThat(schemaExists(views)).as("the masking views' schema").isTrue();

        delete("dropped");
        awaitGone("dropped");

        assertThat(roleExists(login)).as("the login role is dropped").isFalse();
        assertThat(roleExists(names.group())).as("the group role is dropped").isFalse();
        assertThat(schemaExists(views)).as("the masking views are dropped").isFalse();
        assertThat(schemaExists(MaskingSchemas.functionSchema(names.group())))
                .as("the masking functions are dropped")
                .isFalse();
        assertThat(client.secrets().inNamespace(NS).withName("pgwarden-dropped").get())
                .isNull();
    }

    /**
     * The database cannot be reached when the policy is deleted: the finalizer stays and says how to
     * let go (a CleanupFailed Warning event); once annotated, the policy goes and the database is
     * not touched, so its roles and masking views are still there when the database comes back.
     */
    @Test
    void skipDatabaseCleanupLetsAPolicyGoAndLeavesItsRolesAndMaskingViews() throws Exception {
        client.resource(policy("kept", "sales")).create();
        DatabaseAccessPolicy ready = awaitCondition("kept", "Ready", "True");
        String login = ready.getStatus().credentials().role();
        RoleNames names = RoleNames.of(NS, "kept");
        String views = MaskingSchemas.viewSchema(names.group(), "sales");

        closeDatabase();
        delete("kept");
        Event failed = awaitEvent("kept", "CleanupFailed", "skip-database-cleanup");
        assertThat(failed.getType()).isEqualTo("Warning");
        assertThat(failed.getNote())
                .contains("could not remove the policy's database roles")
                .contains("pgwarden retries every 30s")
                .contains("annotate it " + PgwardenAnnotations.SKIP_DATABASE_CLEANUP + "=true");
        DatabaseAccessPolicy stuck = client.resources(DatabaseAccessPolicy.class)
                .inNamespace(NS)
                .withName("kept")
                .get();
        assertThat(stuck).as("the finalizer holds the policy").isNotNull();
        assertThat(stuck.getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(stuck.getMetadata().getFinalizers()).contains(PolicyReconciler.FINALIZER);

        client.resources(DatabaseAccessPolicy.class)
                .inNamespace(NS)
                .withName("kept")
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"" + PgwardenAnnotations.SKIP_DATABASE_CLEANUP
                                + "\":\"true\"}}}");
        awaitGone("kept");
        assertThat(client.secrets().inNamespace(NS).withName("pgwarden-kept").get())
                .isNull();
        assertThat(client.rbac()
                        .roleBindings()
                        .inNamespace(NS)
                        .withName("pgwarden-sidecar-kept")
                        .get())
                .isNull();

        openDatabase();
        assertThat(roleExists(names.group()))
                .as("the group role is left in place")
                .isTrue();
        assertThat(roleExists(login)).as("the login role is left in place").isTrue();
        assertThat(schemaExists(views))
                .as("the masking views are left in place")
                .isTrue();
        assertThat(firstValue("SELECT count(*) FROM pg_views WHERE schemaname = '" + views + "'"))
                .isEqualTo("1");
        dropRoles(login, names.group());
    }

    // --- Degraded reasons

    @Test
    void aDatabaseThatRefusesTheWorkIsDegradedWithDatabaseErrorAndRecovers() throws Exception {
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + database + " SET default_transaction_read_only = on");
        }
        client.resource(policy("readonly-db", "sales")).create();

        DatabaseAccessPolicy degraded = awaitCondition("readonly-db", "Degraded", "True");
        Condition condition = condition(degraded, "Degraded");
        assertThat(condition.getReason()).isEqualTo("DatabaseError");
        assertThat(condition.getMessage())
                .contains("managing roles in database " + database + " at 127.0.0.1:" + postgres.port())
                .contains("read-only transaction")
                .contains("SQLSTATE 25006")
                .contains("correct what the database reports")
                .contains("retrying with backoff");
        assertThat(condition(degraded, "Ready").getStatus()).isEqualTo("False");
        assertThat(condition(degraded, "Ready").getReason()).isEqualTo("DatabaseError");
        assertThat(client.secrets()
                        .inNamespace(NS)
                        .withName("pgwarden-readonly-db")
                        .get())
                .as("no credentials while nothing could be made")
                .isNull();
        Event event = awaitEvent("readonly-db", "DatabaseError", "SQLSTATE 25006");
        assertThat(event.getType()).isEqualTo("Warning");
        assertThat(event.getNote()).isEqualTo(condition.getMessage());

        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + database + " RESET default_transaction_read_only");
        }
        DatabaseAccessPolicy ready = awaitCondition("readonly-db", "Ready", "True");
        assertThat(condition(ready, "Degraded").getStatus()).isEqualTo("False");
        assertThat(roleExists(ready.getStatus().credentials().role())).isTrue();
    }

    @Test
    void aSchemaTheDatabaseDoesNotHaveIsSchemaNotFoundUntilItIsCreated() throws Exception {
        client.resource(policy("reporting", "sales", "reports")).create();

        DatabaseAccessPolicy degraded = awaitCondition("reporting", "Degraded", "True");
        Condition condition = condition(degraded, "Degraded");
        assertThat(condition.getReason()).isEqualTo("SchemaNotFound");
        assertThat(condition.getMessage())
                .contains("schema reports does not exist in database " + database)
                .contains("create it or remove it from spec.access.schemas");
        assertThat(condition(degraded, "Ready").getStatus()).isEqualTo("False");
        assertThat(roleExists(RoleNames.of(NS, "reporting").group()))
                .as("the group is rolled back, not left half-granted")
                .isFalse();
        assertThat(awaitEvent("reporting", "SchemaNotFound", "reports").getType())
                .isEqualTo("Warning");

        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA reports");
        }
        DatabaseAccessPolicy ready = awaitCondition("reporting", "Ready", "True");
        assertThat(condition(ready, "Degraded").getStatus()).isEqualTo("False");
        assertThat(firstValue("SELECT has_schema_privilege('"
                        + RoleNames.of(NS, "reporting").group() + "', 'reports', 'USAGE')"))
                .isEqualTo("t");
    }

    /**
     * The API server refuses to write the credentials Secret (403, as when the operator's RBAC lost
     * Secrets): Degraded KubernetesError saying what access is missing, the login minted for it is
     * dropped again, and the next attempt, with the API writable again, makes the policy Ready.
     */
    @Test
    void aSecretTheApiRefusesToWriteIsKubernetesErrorAndRecovers() throws Exception {
        server.expect()
                .post()
                .withPath("/api/v1/namespaces/" + NS + "/secrets")
                .andReturn(
                        403,
                        new StatusBuilder()
                                .withStatus("Failure")
                                .withReason("Forbidden")
                                .withCode(403)
                                .withMessage("secrets is forbidden: User"
                                        + " \"system:serviceaccount:pgwarden-system:pgwarden\" cannot create"
                                        + " resource \"secrets\" in API group \"\" in the namespace \"" + NS + "\"")
                                .build())
                .once();
        // Every status the policy passes through, so the short-lived Degraded state is seen for certain.
        List<Condition> degradedSeen = new CopyOnWriteArrayList<>();
        try (Watch watch = client.resources(DatabaseAccessPolicy.class)
                .inNamespace(NS)
                .withName("locked-out")
                .watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, DatabaseAccessPolicy p) {
                        if (p.getStatus() != null && condition(p, "Degraded") != null) {
                            degradedSeen.add(condition(p, "Degraded"));
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                })) {
            client.resource(policy("locked-out", "sales")).create();

            DatabaseAccessPolicy ready = awaitCondition("locked-out", "Ready", "True");
            Event event = awaitEvent("locked-out", "KubernetesError", "could not write Secret");
            assertThat(event.getType()).isEqualTo("Warning");
            Await.until(() -> !degradedSeen.isEmpty(), "the watch saw the policy's status");
            assertThat(degradedSeen)
                    .filteredOn(c -> "True".equals(c.getStatus()))
                    .first()
                    .satisfies(c -> {
                        assertThat(c.getReason()).isEqualTo("KubernetesError");
                        assertThat(c.getMessage())
                                .contains("could not write Secret pgwarden-locked-out in namespace " + NS)
                                .contains("HTTP 403")
                                .contains("cannot create resource \"secrets\"")
                                .contains("needs create and update on Secrets")
                                .contains("retrying with backoff");
                    });
            assertThat(condition(ready, "Degraded").getStatus()).isEqualTo("False");

            String login = ready.getStatus().credentials().role();
            assertThat(loginsOf(RoleNames.of(NS, "locked-out").group()))
                    .as("the login minted for the Secret that could not be written was dropped")
                    .containsExactly(login);
        }
    }

    // --- Events

    @Test
    void mintRotationAndExpiryAreEventsOnThePolicy() throws Exception {
        client.resource(policy("rotating", "sales")).create();
        DatabaseAccessPolicy ready = awaitCondition("rotating", "Ready", "True");
        String first = ready.getStatus().credentials().role();

        Event issued = awaitEvent("rotating", "CredentialsIssued", first);
        assertThat(issued.getType()).isEqualTo("Normal");
        assertThat(issued.getAction()).isEqualTo("Mint");
        assertThat(issued.getNote()).contains("in Secret pgwarden-rotating").contains("valid until");
        assertThat(issued.getReportingController()).isEqualTo("pgwarden.dev/operator");
        assertThat(issued.getRegarding().getKind()).isEqualTo("DatabaseAccessPolicy");
        assertThat(issued.getRegarding().getApiVersion()).isEqualTo("pgwarden.dev/v1alpha1");
        assertThat(issued.getRegarding().getNamespace()).isEqualTo(NS);
        assertThat(issued.getRegarding().getUid()).isEqualTo(ready.getMetadata().getUid());
        assertThat(awaitEvent("rotating", "MaskingApplied", "customers").getType())
                .isEqualTo("Normal");

        clock.advance(Duration.ofMinutes(45));
        edit("rotating", "r1");
        DatabaseAccessPolicy rotated = awaitPolicy(
                "rotating",
                p -> p.getStatus() != null
                        && p.getStatus().credentials() != null
                        && !first.equals(p.getStatus().credentials().role()));
        String second = rotated.getStatus().credentials().role();
        Event rotation = awaitEvent("rotating", "CredentialsRotated", second);
        assertThat(rotation.getType()).isEqualTo("Normal");
        assertThat(rotation.getAction()).isEqualTo("Mint");

        clock.advance(Duration.ofMinutes(20));
        edit("rotating", "r2");
        Event dropped = awaitEvent("rotating", "RoleDropped", first);
        assertThat(dropped.getType()).isEqualTo("Normal");
        assertThat(dropped.getNote()).isEqualTo("expired role " + first + " dropped and its sessions ended");
        assertThat(roleExists(first)).isFalse();
        assertThat(eventsAbout("rotating"))
                .as("nothing went wrong, so no Warning")
                .noneMatch(e -> "Warning".equals(e.getType()));
    }

    // --- fixtures

    /** A ReadOnly policy on the given schemas that masks sales.customers.email. */
    private DatabaseAccessPolicy policy(String name, String... schemas) {
        String yaml = """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: %s, namespace: %s}
        spec:
          database: {host: 127.0.0.1, port: %d, name: %s, sslMode: disable, adminSecretRef: {name: pg-admin}}
          subjects: [{serviceAccount: %s/claude}]
          access: {mode: ReadOnly, schemas: [%s], credentialTTL: 1h}
          masking:
            - {columns: [sales.customers.email], strategy: redact}
        """.formatted(name, NS, postgres.port(), database, NS, String.join(", ", schemas));
        return client.getKubernetesSerialization().unmarshal(yaml, DatabaseAccessPolicy.class);
    }

    /** A spec edit (a new generation, reconciled at once) that keeps everything but an extra rule. */
    private void edit(String name, String tag) {
        String yaml = client.getKubernetesSerialization()
                .asYaml(policy(name, "sales"))
                .replace("access:", "rules:\n  - {name: " + tag + ", statements: [DROP], action: Deny}\n  access:");
        ClusterFixture.replaceSpec(
                client, client.getKubernetesSerialization().unmarshal(yaml, DatabaseAccessPolicy.class));
    }

    /** No connection to the policy's database is possible any more, the operator's included. */
    private void closeDatabase() throws SQLException {
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + database + " WITH ALLOW_CONNECTIONS false");
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");
        }
    }

    private void openDatabase() throws SQLException {
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + database + " WITH ALLOW_CONNECTIONS true");
        }
    }

    private void dropRoles(String... roles) throws SQLException {
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            for (String role : roles) {
                s.execute("DROP OWNED BY " + role + " CASCADE");
                s.execute("DROP ROLE " + role);
            }
        }
    }

    private List<String> loginsOf(String group) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT r.rolname FROM pg_roles r JOIN pg_auth_members m ON"
                        + " m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = '" + group
                        + "' AND r.rolcanlogin")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private boolean roleExists(String role) throws SQLException {
        return "1".equals(firstValue("SELECT count(*) FROM pg_roles WHERE rolname = '" + role + "'", "postgres"));
    }

    private boolean schemaExists(String schema) throws SQLException {
        return "1".equals(firstValue("SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "'"));
    }

    private String firstValue(String query) throws SQLException {
        return firstValue(query, database);
    }

    private String firstValue(String query, String in) throws SQLException {
        try (Connection c = postgres.superuser(in);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private List<Event> eventsAbout(String policy) {
        return client.events().v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> e.getRegarding() != null
                        && policy.equals(e.getRegarding().getName()))
                .toList();
    }

    /** The first Event on the policy with this reason whose note contains {@code noteContains}. */
    private Event awaitEvent(String policy, String reason, String noteContains) throws InterruptedException {
        return Await.value(
                () -> eventsAbout(policy).stream()
                        .filter(e -> reason.equals(e.getReason())
                                && e.getNote() != null
                                && e.getNote().contains(noteContains))
                        .findFirst()
                        .orElse(null),
                e -> true,
                "an event " + reason + " on policy " + policy + " saying " + noteContains);
    }

    private void delete(String name) {
        client.resources(DatabaseAccessPolicy.class)
                .inNamespace(NS)
                .withName(name)
                .delete();
    }

    private void awaitGone(String name) throws InterruptedException {
        Await.until(
                () -> client.resources(DatabaseAccessPolicy.class)
                                .inNamespace(NS)
                                .withName(name)
                                .get()
                        == null,
                "policy " + name + " is gone");
    }

    private static Condition condition(DatabaseAccessPolicy p, String type) {
        return Conditions.find(p.getStatus().conditions(), type);
    }

    private DatabaseAccessPolicy awaitPolicy(String name, java.util.function.Predicate<DatabaseAccessPolicy> test)
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
}
