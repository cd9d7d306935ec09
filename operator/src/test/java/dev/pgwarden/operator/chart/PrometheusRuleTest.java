package dev.pgwarden.operator.chart;

import static dev.pgwarden.operator.chart.RenderedChart.NAMESPACE;
import static dev.pgwarden.operator.chart.RenderedChart.render;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chart's optional PrometheusRule: off by default, and alerting on what the operator exports. */
class PrometheusRuleTest {
    @Test
    void offByDefault() {
        assertThat(render(Map.of()).objects).extracting(HasMetadata::getKind).doesNotContain("PrometheusRule");
    }

    @Test
    void alertsOnRequestsPendingLongerThanTheThresholdAndOnFailedNotifications() {
        RenderedChart chart = render(Map.of(
                "prometheusRule.enabled", true,
                "prometheusRule.pendingLongerThanSeconds", 900,
                "prometheusRule.for", "2m",
                "prometheusRule.severity", "critical",
                "prometheusRule.labels.release", "kube-prometheus"));
        HasMetadata rule = chart.find("PrometheusRule", "pgwarden").orElseThrow();
        assertThat(rule.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(rule.getMetadata().getLabels()).containsEntry("release", "kube-prometheus");
        List<Map<String, Object>> rules = rules(rule);
        Map<String, Object> pending = alert(rules, "PgwardenApprovalPendingTooLong");
        assertThat(pending.get("expr"))
                .asString()
                .contains("max(pgwarden_approvals_pending_oldest_seconds) > 900")
                .contains("sum(pgwarden_approvals_pending) > 0");
        assertThat(pending.get("for")).isEqualTo("2m");
        assertThat(pending.get("labels")).isEqualTo(Map.of("severity", "critical"));
        assertThat(pending.get("annotations"))
                .asString()
                .as("Prometheus's own template text survives Helm")
                .contains("{{ $value | humanizeDuration }}");
        Map<String, Object> failing = alert(rules, "PgwardenApprovalNotificationsFailing");
        assertThat(failing.get("expr")).asString().contains("pgwarden_approval_notifications_failed_total");
        assertThat(failing.get("annotations")).asString().contains("{{ $labels.channel }}");
    }

    @Test
    void aThresholdOfZeroIsRefused() {
        assertThatThrownBy(() ->
                        render(Map.of("prometheusRule.enabled", true, "prometheusRule.pendingLongerThanSeconds", 0)))
                .hasMessageContaining("pendingLongerThanSeconds must be at least 1");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules(HasMetadata rule) {
        Map<String, Object> spec = (Map<String, Object>)
                ((GenericKubernetesResource) rule).getAdditionalProperties().get("spec");
        List<Map<String, Object>> groups = (List<Map<String, Object>>) spec.get("groups");
        return groups.stream()
                .flatMap(g -> ((List<Map<String, Object>>) g.get("rules")).stream())
                .toList();
    }

    private static Map<String, Object> alert(List<Map<String, Object>> rules, String name) {
        return rules.stream()
                .filter(r -> name.equals(r.get("alert")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no alert " + name + " in " + rules));
    }
}
