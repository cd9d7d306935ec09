package dev.pgwarden.testkit.skips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The guard as the build meets it: a JUnit Platform session opened the way surefire opens one
 * (the guard comes from META-INF/services), run on sample classes, fails when it closes if one of
 * them skipped. The samples are nested classes, which surefire never selects on its own; only
 * these nested sessions run them.
 */
class SkipGuardTest {
    @Test
    void aFailedAssumptionInATestFailsTheSession() {
        assertThatThrownBy(() -> runInNewSession(AbortsInATest.class))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("1 test(s) skipped")
                .hasMessageContaining(AbortsInATest.class.getName() + " assumes(): aborted")
                .hasMessageContaining("the sample's assumption")
                .hasMessageContaining(AllowList.class.getName());
    }

    @Test
    void aFailedAssumptionBeforeAllFailsTheSession() {
        assertThatThrownBy(() -> runInNewSession(AbortsBeforeAll.class))
                .hasMessageContaining(AbortsBeforeAll.class.getName() + ": aborted")
                .hasMessageContaining("no tool here");
    }

    @Test
    void aDisabledTestFailsTheSession() {
        assertThatThrownBy(() -> runInNewSession(DisabledTest.class))
                .hasMessageContaining("1 test(s) skipped")
                .hasMessageContaining(DisabledTest.class.getName() + " disabled(): disabled (the sample is disabled)");
    }

    @Test
    void aTestDisabledByAConditionFailsTheSession() {
        assertThatThrownBy(() -> runInNewSession(DisabledByCondition.class))
                .hasMessageContaining(DisabledByCondition.class.getName() + " conditional(): disabled")
                .hasMessageContaining("pgwarden.sample.never");
    }

    @Test
    void aSessionWhoseTestsAllReachedAnOutcomeCloses() {
        // A failing test is an outcome, reported as a failure by the run itself: the guard lets it be.
        assertThatCode(() -> runInNewSession(RunsToAnOutcome.class)).doesNotThrowAnyException();
    }

    @Test
    void anAllowedSkipClosesOnlyWhileItsConditionHolds() {
        String name = DisabledTest.class.getName();
        assertThatCode(() -> runGuarded(
                        new AllowList(List.of(new AllowList.Entry(name, "sample", () -> true))), DisabledTest.class))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> runGuarded(
                        new AllowList(List.of(new AllowList.Entry(name, "sample", () -> false))), DisabledTest.class))
                .hasMessageContaining(name);
        assertThatThrownBy(() -> runGuarded(
                        new AllowList(List.of(new AllowList.Entry(name, "sample", () -> true))), AbortsInATest.class))
                .hasMessageContaining(AbortsInATest.class.getName());
    }

    @Test
    void onlyTheK3sTestIsAllowedAndOnlyWithoutADockerEngine() {
        Skip k3s = new Skip(
                "dev.pgwarden.operator.e2e.K3sEndToEndTest",
                "",
                Skip.Kind.DISABLED,
                "disabledWithoutDocker is true and Docker is not available");
        assertThat(AllowList.DEFAULT.entries())
                .extracting(AllowList.Entry::className)
                .containsExactly(k3s.className());
        assertThat(AllowList.DEFAULT.allows(k3s)).isEqualTo(AllowList.noDockerEngine());
        assertThat(AllowList.DEFAULT.allows(
                        new Skip(SkipGuardTest.class.getName(), "any", Skip.Kind.DISABLED, "Docker is not available")))
                .isFalse();
    }

    /** Opens a session as surefire does: every LauncherSessionListener on the class path takes part. */
    private static void runInNewSession(Class<?> sample) {
        try (LauncherSession session = LauncherFactory.openSession()) {
            session.getLauncher()
                    .execute(LauncherDiscoveryRequestBuilder.request()
                            .selectors(selectClass(sample))
                            .build());
        }
    }

    private static void runGuarded(AllowList allowList, Class<?> sample) {
        LauncherConfig config = LauncherConfig.builder()
                .enableLauncherSessionListenerAutoRegistration(false)
                .addLauncherSessionListeners(new SkipGuard(allowList))
                .build();
        try (LauncherSession session = LauncherFactory.openSession(config)) {
            session.getLauncher()
                    .execute(LauncherDiscoveryRequestBuilder.request()
                            .selectors(selectClass(sample))
                            .build());
        }
    }

    static class AbortsInATest {
        @Test
        void assumes() {
            Assumptions.assumeTrue(false, "the sample's assumption");
        }
    }

    static class AbortsBeforeAll {
        @BeforeAll
        static void needsATool() {
            Assumptions.abort("no tool here");
        }

        @Test
        void runs() {}
    }

    static class DisabledTest {
        @Test
        @Disabled("the sample is disabled")
        void disabled() {}

        @Test
        void runs() {}
    }

    static class DisabledByCondition {
        @Test
        @EnabledIfSystemProperty(named = "pgwarden.sample.never", matches = "set")
        void conditional() {}
    }

    static class RunsToAnOutcome {
        @Test
        void passes() {}

        @Test
        void fails() {
            throw new AssertionError("a failure is an outcome, not a skip");
        }
    }
}
