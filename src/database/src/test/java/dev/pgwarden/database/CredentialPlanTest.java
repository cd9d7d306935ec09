package dev.pgwarden.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CredentialPlanTest {
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    private static final Duration TTL = Duration.ofHours(1);

    @Test
    void keepsAFreshCurrentRole() {
        LoginRole current = new LoginRole("r1", NOW.plus(Duration.ofMinutes(50)));
        CredentialPlan plan = CredentialPlan.decide(NOW, TTL, List.of(current), "r1");
        assertThat(plan.keep()).contains(current);
        assertThat(plan.drop()).isEmpty();
    }

    @Test
    void replacesTheCurrentRoleOnceAThirdOfItsLifeIsLeft() {
        LoginRole current = new LoginRole("r1", NOW.plus(Duration.ofMinutes(20)));
        assertThat(CredentialPlan.decide(NOW, TTL, List.of(current), "r1").keep())
                .isEmpty();
    }

    @Test
    void aRoleTheSecretDoesNotNameIsNeverKept() {
        LoginRole stray = new LoginRole("r1", NOW.plus(Duration.ofMinutes(50)));
        assertThat(CredentialPlan.decide(NOW, TTL, List.of(stray), "r2").keep()).isEmpty();
        assertThat(CredentialPlan.decide(NOW, TTL, List.of(stray), null).keep()).isEmpty();
    }

    @Test
    void dropsExpiredRolesAndShortensOnesBeyondTheTtl() {
        LoginRole expired = new LoginRole("old", NOW.minusSeconds(1));
        LoginRole tooLong = new LoginRole("long", NOW.plus(Duration.ofHours(20)));
        CredentialPlan plan = CredentialPlan.decide(NOW, TTL, List.of(expired, tooLong), "long");
        assertThat(plan.drop()).containsExactly(expired);
        assertThat(plan.shorten()).containsExactly(tooLong);
        assertThat(plan.keep()).as("a role cut short is replaced").isEmpty();
    }

    @Test
    void rechecksAtRotationTimeOrTheNextExpiryWhicheverComesFirst() {
        Instant issuedUntil = NOW.plus(TTL);
        assertThat(CredentialPlan.recheckAfter(NOW, TTL, issuedUntil, List.of()))
                .isEqualTo(Duration.ofMinutes(40).plusSeconds(1));
        assertThat(CredentialPlan.recheckAfter(
                        NOW, TTL, issuedUntil, List.of(new LoginRole("o", NOW.plusSeconds(600)))))
                .isEqualTo(Duration.ofSeconds(601));
        assertThat(CredentialPlan.recheckAfter(NOW, TTL, NOW, List.of())).isEqualTo(CredentialPlan.MIN_RECHECK);
    }

    @Test
    void roleNamesFitPostgresAndTellThePolicy() {
        RoleNames names = RoleNames.of("a-very-long-namespace-name-for-agents", "an-equally-long-policy-name-here");
        assertThat(names.group()).startsWith("pgw_a_very_long_namespace").hasSizeLessThanOrEqualTo(63);
        String login = names.newLogin(NOW);
        assertThat(login.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(63);
        assertThat(names.isLogin(login)).isTrue();
        assertThat(names.isLogin(names.group())).isFalse();
        assertThat(RoleNames.of("a", "b_c").group())
                .isNotEqualTo(RoleNames.of("a_b", "c").group());
    }
}
