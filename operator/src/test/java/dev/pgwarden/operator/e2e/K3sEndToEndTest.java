package dev.pgwarden.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.database.RoleNames;
import dev.pgwarden.operator.ClusterFixture;
import dev.pgwarden.operator.MutableClock;
import dev.pgwarden.operator.policy.Conditions;
import dev.pgwarden.testkit.TestPostgres;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The operator against a real Kubernetes API server (K3s in a container): the CRDs as shipped,
 * the status subresource, finalizers and garbage collection behave as in production. The
 * operator runs in this JVM and reaches the embedded PostgreSQL on the host. Runs only where a
 * Docker engine answers; disabled elsewhere, the one skip the testkit's SkipGuard allows (AllowList).
 */
@Testcontainers(disabledWithoutDocker = true)
class K3sEndToEndTest {
    private static final String NS = "agents";

    @Container
    static final K3sContainer K3S = new K3sContainer(DockerImageName.parse("rancher/k3s:v1.31.4-k3s1"));

    @Test
    void aPolicyAppliedToARealApiServerGetsRolesAndIsCleanedUpOnDelete() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE k3s_e2e");
        }
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(K3S.getKubeConfigYaml()))
                .build()) {
            ClusterFixture.installCrds(client);
            client.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .withName("databaseaccesspolicies.pgwarden.dev")
                    .waitUntilCondition(
                            crd -> crd.getStatus() != null
                                    && crd.getStatus().getConditions().stream()
                                            .anyMatch(c ->
                                                    "Established".equals(c.getType()) && "True".equals(c.getStatus())),
                            60,
                            TimeUnit.SECONDS);
            client.resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(NS)
                            .endMetadata()
                            .build())
                    .create();
            client.resource(new SecretBuilder()
                            .withNewMetadata()
                            .withName("pg-admin")
                            .withNamespace(NS)
                            .addToLabels(PgwardenLabels.ADMIN_SECRET, "true")
                            .endMetadata()
                            .addToStringData("username", "postgres")
                            .addToStringData("password", "unused-with-trust")
                            .build())
                    .create();
            Operator operator = ClusterFixture.startOperator(client, new MutableClock(), Duration.ofHours(1));
            try {
                DatabaseAccessPolicy policy = client.getKubernetesSerialization()
                        .unmarshal("""
            apiVersion: pgwarden.dev/v1alpha1
            kind: DatabaseAccessPolicy
            metadata: {name: e2e, namespace: agents}
            spec:
              database: {host: 127.0.0.1, port: %d, name: k3s_e2e, sslMode: disable, adminSecretRef: {name: pg-admin}}
              subjects: [{serviceAccount: agents/claude}]
              access: {mode: ReadOnly, credentialTTL: 1h}
            """.formatted(postgres.port()), DatabaseAccessPolicy.class);
                client.resource(policy).create();
                DatabaseAccessPolicy ready = client.resources(DatabaseAccessPolicy.class)
                        .inNamespace(NS)
                        .withName("e2e")
                        .waitUntilCondition(
                                p -> p != null
                                        && p.getStatus() != null
                                        && p.getStatus().conditions() != null
                                        && "True"
                                                .equals(Conditions.find(
                                                                p.getStatus().conditions(), "Ready")
                                                        .getStatus()),
                                60,
                                TimeUnit.SECONDS);
                assertThat(ready.getStatus().observedGeneration())
                        .isEqualTo(ready.getMetadata().getGeneration());
                assertThat(client.secrets()
                                .inNamespace(NS)
                                .withName("pgwarden-e2e")
                                .get())
                        .isNotNull();

                client.resource(ready).delete();
                client.resources(DatabaseAccessPolicy.class)
                        .inNamespace(NS)
                        .withName("e2e")
                        .waitUntilCondition(p -> p == null, 60, TimeUnit.SECONDS);
                try (Connection c = postgres.superuser("k3s_e2e");
                        Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_roles WHERE rolname LIKE '"
                                + RoleNames.of(NS, "e2e").group() + "%'")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isZero();
                }
            } finally {
                operator.stop();
            }
        }
    }
}
