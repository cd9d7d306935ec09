package dev.pgwarden.api.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SessionLimitsTest {
    private final PolicyLoader local = new PolicyLoader(PolicyValidator.Use.LOCAL);

    private static String policy(String limits) {
        return """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: p}
        spec:
          access: {mode: ReadWrite}
          limits: %s
        """.formatted(limits);
    }

    @Test
    void limitsAreReadInMillisecondsAndCounts() throws Exception {
        var p = local.parse(
                policy("{statementTimeout: 1m30s, idleInTransactionTimeout: 500ms, maxResultRows: 100,"
                        + " maxResultBytes: 65536, maxRowsChangedPerSession: 1000}"),
                "p.yaml");
        SessionLimits l = SessionLimits.of(p.getSpec().limits());
        assertThat(l).isEqualTo(new SessionLimits(90_000, 500, 100, 65_536, 1000));
        assertThat(l.describe()).hasSize(5).first().asString().startsWith("statementTimeout: 90000ms");
    }

    @Test
    void noLimitsMeansNone() throws Exception {
        var p = local.parse(policy("{}"), "p.yaml");
        assertThat(SessionLimits.of(p.getSpec().limits())).isEqualTo(SessionLimits.NONE);
        assertThat(SessionLimits.NONE.describe()).isEmpty();
        assertThat(SessionLimits.of(null)).isEqualTo(SessionLimits.NONE);
    }

    @Test
    void badValuesArePolicyProblemsNamingTheField() {
        assertThatThrownBy(() -> local.parse(policy("{statementTimeout: 10 minutes}"), "p.yaml"))
                .isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining("spec.limits.statementTimeout")
                .hasMessageContaining("not a duration");
        assertThatThrownBy(() -> local.parse(policy("{idleInTransactionTimeout: 0s}"), "p.yaml"))
                .hasMessageContaining("spec.limits.idleInTransactionTimeout")
                .hasMessageContaining("at least 1ms");
        assertThatThrownBy(() -> local.parse(policy("{statementTimeout: 30d}"), "p.yaml"))
                .hasMessageContaining("spec.limits.statementTimeout")
                .hasMessageContaining("at most 2147483647ms");
        assertThatThrownBy(() -> local.parse(policy("{maxResultRows: 0}"), "p.yaml"))
                .hasMessageContaining("spec.limits.maxResultRows")
                .hasMessageContaining("must be a positive number, was 0");
        assertThatThrownBy(() -> local.parse(policy("{maxResultBytes: -5, maxRowsChangedPerSession: -1}"), "p.yaml"))
                .hasMessageContaining("spec.limits.maxResultBytes")
                .hasMessageContaining("spec.limits.maxRowsChangedPerSession");
        assertThatThrownBy(() -> local.parse(policy("{maxResultRows: many}"), "p.yaml"))
                .isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining("maxResultRows");
    }

    @Test
    void durationsTakeMilliseconds() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("1m500ms")).isEqualTo(Duration.ofMillis(60_500));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
    }
}
