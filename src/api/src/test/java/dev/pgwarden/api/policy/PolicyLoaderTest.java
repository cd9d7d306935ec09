package dev.pgwarden.api.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.api.v1alpha1.SslMode;
import dev.pgwarden.api.v1alpha1.StatementKind;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PolicyLoaderTest {
    private final PolicyLoader cluster = new PolicyLoader(PolicyValidator.Use.CLUSTER);
    private final PolicyLoader local = new PolicyLoader(PolicyValidator.Use.LOCAL);
    private final Path samples =
            Path.of(System.getProperty("pgwarden.crds.checkedIn")).getParent().resolve("config/samples");

    @Test
    void readsTheDesignSamplePolicy() throws Exception {
        DatabaseAccessPolicy p = cluster.load(samples.resolve("policy.yaml"));
        assertThat(p.getMetadata().getName()).isEqualTo("analytics-agent");
        assertThat(p.getSpec().database().sslMode()).isEqualTo(SslMode.REQUIRE);
        assertThat(p.getSpec().access().mode()).isEqualTo(AccessMode.ReadOnly);
        assertThat(p.getSpec().masking().get(0).strategy()).isEqualTo(MaskStrategy.PARTIAL);
        assertThat(p.getSpec().rules()).hasSize(3);
        assertThat(p.getSpec().rules().get(2).statements()).contains(StatementKind.CREATE_ROLE);
        assertThat(p.getSpec().rules().get(2).action()).isEqualTo(Action.Deny);
        assertThat(p.getSpec().subjects().get(1).groups()).containsExactly("ai-agents");
        assertThat(p.getSpec().recording().s3().bucket()).isEqualTo("pgwarden-sessions");
    }

    @Test
    void readsTheLocalSampleWithoutDatabase() throws Exception {
        DatabaseAccessPolicy p = local.load(samples.resolve("local-policy.yaml"));
        assertThat(p.getSpec().database()).isNull();
        assertThatThrownBy(() -> cluster.load(samples.resolve("local-policy.yaml")))
                .isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining("spec.database: required");
    }

    @Test
    void aMaskedColumnNeitherWallCanReadIsRefused() {
        String yaml = """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: p}
        spec:
          access: {mode: ReadOnly}
          masking:
            - columns: [customers.name, 'crm."Leads.email']
              strategy: redact
        """;
        assertThatThrownBy(() -> local.parse(yaml, "p.yaml"))
                .isInstanceOf(InvalidPolicyException.class)
                .satisfies(e -> assertThat(((InvalidPolicyException) e).problems())
                        .extracting(PolicyProblem::path)
                        .as("an unclosed quote")
                        .containsExactly("spec.masking[0].columns[1]"));
    }

    @Test
    void unknownFieldIsReportedWithItsPath() {
        String yaml = """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: p}
        spec:
          access: {mode: ReadOnly}
          maskng:
            - columns: [customers.email]
        """;
        assertThatThrownBy(() -> local.parse(yaml, "p.yaml"))
                .isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining("spec.maskng")
                .hasMessageContaining("unknown field 'maskng'")
                .hasMessageContaining("masking");
    }

    @Test
    void unparseableStatementsCannotBeAllowed() {
        String yaml = """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: p}
        spec:
          access: {mode: ReadWrite}
          onUnparseable: Allow
        """;
        assertThatThrownBy(() -> local.parse(yaml, "p.yaml"))
                .isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining("spec.onUnparseable")
                .hasMessageContaining("must be Deny or RequireApproval");
    }

    @Test
    void badEnumValueListsTheAllowedOnes() {
        String yaml = """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: p}
        spec:
          access: {mode: ReadOnly}
          rules:
            - name: r
              statements: [DROP]
              action: Maybe
        """;
        assertThatThrownBy(() -> local.parse(yaml, "p.yaml"))
                .isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining("spec.rules[0].action")
                .hasMessageContaining("'Maybe' is not one of Allow, RequireApproval, Deny");
    }

    @Test
    void sslModeUsesLibpqSpelling() {
        String yaml = """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: p}
        spec:
          database: {host: h, name: d, sslMode: verify_full}
          access: {mode: ReadOnly}
        """;
        assertThatThrownBy(() -> local.parse(yaml, "p.yaml"))
                .hasMessageContaining("spec.database.sslMode")
                .hasMessageContaining("disable, require, verify-full");
    }

    @Test
    void semanticProblemsAreAllReported() {
        String yaml = """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: Bad_Name}
        spec:
          database: {host: h, name: d, port: 70000}
          subjects:
            - serviceAccount: claude
            - issuer: http://idp.example.com
            - {}
          access: {mode: ReadOnly, credentialTTL: forever}
          masking:
            - columns: [email]
              strategy: hash
          rules:
            - {name: a, statements: [DROP], action: Deny}
            - {name: a, statements: [], action: Deny}
          approval: {timeout: 0m}
        """;
        assertThatThrownBy(() -> cluster.parse(yaml, "p.yaml"))
                .isInstanceOf(InvalidPolicyException.class)
                .satisfies(e -> assertThat(((InvalidPolicyException) e).problems())
                        .extracting(PolicyProblem::path)
                        .containsExactlyInAnyOrder(
                                "metadata.name",
                                "spec.database.port",
                                "spec.subjects[0].serviceAccount",
                                "spec.subjects[1].issuer",
                                "spec.subjects[2]",
                                "spec.access.credentialTTL",
                                "spec.masking[0].columns[0]",
                                "spec.rules[1].name",
                                "spec.rules[1].statements",
                                "spec.approval.timeout"));
    }

    @Test
    void brokenYamlNamesTheLine() {
        assertThatThrownBy(() -> local.parse("apiVersion: \"unterminated\n", "p.yaml"))
                .isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void durations() {
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("2d")).isEqualTo(Duration.ofDays(2));
        assertThat(Durations.parse("45s")).isEqualTo(Duration.ofSeconds(45));
        assertThatThrownBy(() -> Durations.parse("10 minutes")).hasMessageContaining("not a duration");
        assertThatThrownBy(() -> Durations.parse("")).isInstanceOf(IllegalArgumentException.class);
    }
}
