package dev.pgwarden.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.database.RoleNames;
import dev.pgwarden.operator.policy.Conditions;
import dev.pgwarden.operator.webhook.TlsFiles;
import dev.pgwarden.testkit.TestPostgres;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --watch-namespaces} as the operator process parses it: a policy in a listed namespace is
 * reconciled, one in any other namespace is not touched at all (no finalizer, no status, no Secret,
 * no role), even though it would reconcile fine (its admin Secret and database are there).
 */
@EnableKubernetesMockClient(crud = true)
class WatchNamespacesTest {
    private static final String DATABASE = "watch_ns_db";

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path tls;

    private OperatorMain.Running running;
    private final TestPostgres postgres = TestPostgres.shared();

    @BeforeEach
    void start() throws Exception {
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DATABASE);
            s.execute("CREATE DATABASE " + DATABASE);
        }
        ClusterFixture.installCrds(client);
        TlsFiles.write(tls, TlsFiles.localhost(TlsFiles.ca()));
        Map<String, String> clientProperties = Map.of(
                "kubernetes.master", client.getMasterUrl().toString(),
                "kubernetes.trust.certificates", "true",
                "kubernetes.auth.tryKubeConfig", "false",
                "kubernetes.auth.tryServiceAccount", "false");
        clientProperties.forEach(System::setProperty);
        try {
            OperatorMain main = new OperatorMain();
            new CommandLine(main)
                    .parseArgs(List.of(
                                    "--namespace=pgwarden-system",
                                    "--watch-namespaces=agents, team-b",
                                    "--leader-election=false",
                                    "--ops-listen=127.0.0.1:0",
                                    "--webhook-listen=127.0.0.1:0",
                                    "--webhook-tls-dir=" + tls,
                                    "--sidecar-image=ghcr.io/pgwarden/pgwarden-sidecar:test")
                            .toArray(String[]::new));
            main.exitOnLostLease = false;
            running = main.start();
        } finally {
            clientProperties.keySet().forEach(System::clearProperty);
        }
    }

    @AfterEach
    void stop() {
        running.close();
    }

    @Test
    void reconcilesPoliciesOnlyInTheWatchedNamespaces() throws Exception {
        assertThat(running.namespaces()).containsExactlyInAnyOrder("agents", "team-b");
        for (String ns : List.of("agents", "team-b", "elsewhere")) {
            createAdminSecret(ns);
        }
        // The unwatched policy first: had the operator seen it, it would have reconciled it before the others.
        client.resource(policy("elsewhere", "outside")).create();
        client.resource(policy("agents", "inside")).create();
        client.resource(policy("team-b", "also-inside")).create();

        awaitReady("agents", "inside");
        awaitReady("team-b", "also-inside");
        assertThat(roleExists(RoleNames.of("agents", "inside").group())).isTrue();

        DatabaseAccessPolicy outside = client.resources(DatabaseAccessPolicy.class)
                .inNamespace("elsewhere")
                .withName("outside")
                .get();
        assertThat(outside.getStatus())
                .as("no status on a policy outside the watched namespaces")
                .isNull();
        assertThat(outside.getMetadata().getFinalizers()).as("no finalizer").isNullOrEmpty();
        assertThat(client.secrets()
                        .inNamespace("elsewhere")
                        .withName("pgwarden-outside")
                        .get())
                .as("no credentials Secret")
                .isNull();
        assertThat(roleExists(RoleNames.of("elsewhere", "outside").group()))
                .as("no group role")
                .isFalse();
        assertThat(client.events().v1().events().inNamespace("elsewhere").list().getItems())
                .as("no event")
                .isEmpty();
    }

    private void createAdminSecret(String namespace) {
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("pg-admin")
                        .withNamespace(namespace)
                        .addToLabels(PgwardenLabels.ADMIN_SECRET, "true")
                        .endMetadata()
                        .addToStringData("username", "postgres")
                        .addToStringData("password", "trust-on-loopback")
                        .build())
                .create();
    }

    private DatabaseAccessPolicy policy(String namespace, String name) {
        return client.getKubernetesSerialization()
                .unmarshal(
                        """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: %s, namespace: %s}
        spec:
          database: {host: 127.0.0.1, port: %d, name: %s, sslMode: disable, adminSecretRef: {name: pg-admin}}
          subjects: [{serviceAccount: %s/claude}]
          access: {mode: ReadOnly}
        """.formatted(name, namespace, postgres.port(), DATABASE, namespace),
                        DatabaseAccessPolicy.class);
    }

    private void awaitReady(String namespace, String name) throws InterruptedException {
        Await.until(
                () -> {
                    DatabaseAccessPolicy p = client.resources(DatabaseAccessPolicy.class)
                            .inNamespace(namespace)
                            .withName(name)
                            .get();
                    return p != null
                            && p.getStatus() != null
                            && p.getStatus().conditions() != null
                            && Conditions.find(p.getStatus().conditions(), "Ready") != null
                            && "True"
                                    .equals(Conditions.find(p.getStatus().conditions(), "Ready")
                                            .getStatus());
                },
                "policy " + namespace + "/" + name + " is Ready");
    }

    private boolean roleExists(String role) throws Exception {
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + role + "'")) {
            return rs.next();
        }
    }
}
