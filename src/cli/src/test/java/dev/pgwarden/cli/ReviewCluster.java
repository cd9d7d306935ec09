package dev.pgwarden.cli;

import dev.pgwarden.api.v1alpha1.Access;
import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.api.v1alpha1.Approval;
import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicySpec;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.api.v1alpha1.QueryApprovalSpec;
import dev.pgwarden.api.v1alpha1.Recording;
import dev.pgwarden.api.v1alpha1.Reviewers;
import dev.pgwarden.api.v1alpha1.SecretReference;
import dev.pgwarden.api.v1alpha1.Subject;
import dev.pgwarden.operator.webhook.AdmissionRoutes;
import dev.pgwarden.operator.webhook.injection.InjectionSettings;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A mock API server in CRUD mode that admits QueryApproval decisions through the operator's own
 * webhooks, a reviewer (alice, in group dba) and the agent (service account agents/claude) with a
 * token each, and a kubeconfig with a context for each: {@code reviewer} (current) and {@code agent},
 * and {@code stranger}, whose token the server does not accept.
 */
final class ReviewCluster implements AutoCloseable {
    static final String REVIEWER = "alice@example.com";
    static final String POLICY = "analytics-agent";

    final KubernetesMockServer server;
    /**
     * The same store behind a second server, for the operator's own client: the mock server answers
     * on one event loop, which waits while a webhook runs, so the webhook's policy lookup needs
     * another (as the real operator has its own connection to the API server).
     */
    private final KubernetesMockServer operatorSide;

    private final KubernetesClient operatorClient;
    final KubernetesClient admin;
    final Path kubeconfig;

    ReviewCluster(Path dir) throws IOException {
        AdmittingDispatcher dispatcher = new AdmittingDispatcher();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        admin = server.createClient();
        operatorSide = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        operatorSide.init();
        operatorClient = operatorSide.createClient();
        dispatcher.webhooks(AdmissionRoutes.create(
                operatorClient, InjectionSettings.withDefaults("pgwarden-sidecar:test"), Clock.systemUTC()));
        dispatcher.user("alice-token", REVIEWER, List.of("dba", "system:authenticated"));
        dispatcher.user(
                "claude-token",
                "system:serviceaccount:agents:claude",
                List.of("system:serviceaccounts", "system:serviceaccounts:agents", "system:authenticated"));
        kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster: {server: "%s"}
                users:
                - name: alice
                  user: {token: alice-token}
                - name: claude
                  user: {token: claude-token}
                - name: stranger
                  user: {token: expired-login}
                contexts:
                - name: reviewer
                  context: {cluster: mock, user: alice, namespace: agents}
                - name: agent
                  context: {cluster: mock, user: claude, namespace: agents}
                - name: stranger
                  context: {cluster: mock, user: stranger, namespace: agents}
                current-context: reviewer
                """.formatted(server.url("/").replaceAll("/$", "")));
        policy("agents", POLICY, null);
        policy("staging", POLICY, null);
    }

    /** A policy whose reviewers are group dba and whose agent is agents/claude. */
    void policy(String namespace, String name, Recording recording) {
        DatabaseAccessPolicy policy = new DatabaseAccessPolicy();
        policy.setMetadata(
                new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        policy.setSpec(new DatabaseAccessPolicySpec(
                new DatabaseTarget("postgres.data.svc", 5432, "app", null, new SecretReference("pg-admin")),
                List.of(new Subject("agents/claude", null, null, null, null)),
                new Access(AccessMode.ReadWrite, List.of("public"), "1h"),
                null,
                null,
                null,
                null,
                new Approval(null, "10m", new Reviewers(List.of("dba"), List.of()), null),
                recording,
                null,
                null));
        admin.resources(DatabaseAccessPolicy.class).resource(policy).create();
    }

    /** A Secret as the API server keeps it: values base64 in data (the mock store does not convert stringData). */
    void secret(String namespace, String name, Map<String, String> values) {
        Map<String, String> data = new HashMap<>();
        values.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        admin.secrets()
                .resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(namespace)
                        .endMetadata()
                        .withData(data)
                        .build())
                .create();
    }

    /** A request as the sidecar files it: Pending, no decision, expiring at {@code expiresAt}. */
    QueryApproval request(String namespace, String name, String statement, Instant expiresAt, String reason) {
        return request(namespace, name, statement, expiresAt, reason, null);
    }

    QueryApproval request(
            String namespace,
            String name,
            String statement,
            Instant expiresAt,
            String reason,
            List<dev.pgwarden.api.v1alpha1.ObjectEstimate> estimates) {
        QueryApproval approval = new QueryApproval();
        approval.setMetadata(
                new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        approval.setSpec(new QueryApprovalSpec(
                POLICY,
                "destructive-ddl",
                new ApprovalSubject(
                        "https://kubernetes.default.svc.cluster.local",
                        "system:serviceaccount:agents:claude",
                        "agents/claude",
                        "claude-7d9f-abcde"),
                "claude-7d9f-abcde/3f2a",
                statement,
                List.of(),
                "sha256:" + name,
                expiresAt.toString(),
                null,
                null,
                reason,
                null,
                estimates));
        return admin.resources(QueryApproval.class).resource(approval).create();
    }

    QueryApproval get(String namespace, String name) {
        return admin.resources(QueryApproval.class)
                .inNamespace(namespace)
                .withName(name)
                .get();
    }

    @Override
    public void close() {
        admin.close();
        operatorClient.close();
        server.destroy();
        operatorSide.destroy();
    }
}
