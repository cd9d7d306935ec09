package dev.pgwarden.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.policy.PolicyLoader;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.api.policy.SessionLimits;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

/** The policy the operator hands its sidecars keeps spec.limits, and the sidecar reads them back as written. */
class PolicyYamlLimitsTest {
    private static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: limited, namespace: agents, generation: 2}
      spec:
        database: {host: db.example, port: 5432, name: app, sslMode: require, adminSecretRef: {name: pg-admin}}
        subjects: [{serviceAccount: agents/claude}]
        access: {mode: ReadOnly}
        limits:
          statementTimeout: 30s
          idleInTransactionTimeout: 1m
          maxResultRows: 5000
          maxResultBytes: 10485760
          maxRowsChangedPerSession: 1000
      """;

    @Test
    void limitsReachTheSidecar() throws Exception {
        PolicyLoader cluster = new PolicyLoader(PolicyValidator.Use.CLUSTER);
        DatabaseAccessPolicy written = cluster.parse(POLICY, "policy.yaml");
        String handedOver = CredentialsSecret.policyYaml(written, new KubernetesSerialization());
        DatabaseAccessPolicy mounted = cluster.parse(handedOver, "policy.yaml");
        assertThat(mounted.getSpec().limits()).isEqualTo(written.getSpec().limits());
        assertThat(SessionLimits.of(mounted.getSpec().limits()))
                .isEqualTo(new SessionLimits(30_000, 60_000, 5000, 10_485_760, 1000));
    }
}
