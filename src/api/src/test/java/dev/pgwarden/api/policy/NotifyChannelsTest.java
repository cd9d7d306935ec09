package dev.pgwarden.api.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.NotifyChannel;
import dev.pgwarden.api.v1alpha1.NotifyType;
import org.junit.jupiter.api.Test;

/** {@code spec.approval.notify}: channels name a Secret key holding the URL, never the URL. */
class NotifyChannelsTest {
    private final PolicyLoader loader = new PolicyLoader(PolicyValidator.Use.LOCAL);

    private static String policy(String notify) {
        return """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: p}
        spec:
          access: {mode: ReadOnly}
          approval:
            notify:
        %s
        """.formatted(notify.indent(6));
    }

    @Test
    void readsBothChannelTypes() throws Exception {
        DatabaseAccessPolicy p = loader.parse(policy("""
                - type: Slack
                  secretRef: {name: reviewers-slack, key: url}
                - type: Webhook
                  secretRef: {name: pager, key: webhook.url}
                """), "p.yaml");
        assertThat(p.getSpec().approval().notifyOrEmpty())
                .extracting(NotifyChannel::type, NotifyChannel::id)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(NotifyType.Slack, "Slack:reviewers-slack/url"),
                        org.assertj.core.groups.Tuple.tuple(NotifyType.Webhook, "Webhook:pager/webhook.url"));
    }

    @Test
    void anInlineUrlIsRefusedAsAnUnknownField() {
        assertThatThrownBy(() -> loader.parse(policy("""
                        - type: Slack
                          url: https://hooks.example.invalid/services/T0/B0/x
                        """), "p.yaml"))
                .isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining("unknown field 'url'");
    }

    @Test
    void everyProblemOfAChannelIsReportedWithItsPath() {
        assertThatThrownBy(() -> loader.parse(policy("""
                        - secretRef: {name: Not_A_Name, key: "a/b"}
                        - type: Webhook
                        - type: Slack
                          secretRef: {name: s, key: url}
                        - type: Slack
                          secretRef: {name: s, key: url}
                        """), "p.yaml"))
                .isInstanceOf(InvalidPolicyException.class)
                .satisfies(e -> assertThat(((InvalidPolicyException) e).problems())
                        .extracting(PolicyProblem::path)
                        .containsExactlyInAnyOrder(
                                "spec.approval.notify[0].type",
                                "spec.approval.notify[0].secretRef.name",
                                "spec.approval.notify[0].secretRef.key",
                                "spec.approval.notify[1].secretRef",
                                "spec.approval.notify[3]"));
    }
}
