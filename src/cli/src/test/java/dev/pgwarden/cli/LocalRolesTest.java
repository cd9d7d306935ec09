package dev.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The database wall of local mode on its own: the role {@link LocalRoles} mints, used directly
 * against PostgreSQL with no proxy in between, reads masked values only, and nothing of it is left
 * once local mode stops, also after a run that crashed.
 */
class LocalRolesTest {
    private static UpstreamFixture upstream;
    private static final byte[] MASK_SECRET = "local-roles-test-secret-of-32-bytes!".getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void database() throws Exception {
        upstream = new UpstreamFixture("local_roles", java.nio.file.Path.of("local-roles-test"));
    }

    private static LocalRoles start(ByteArrayOutputStream log, Clock clock) throws Exception {
        return LocalRoles.start(
                upstream.adminLogin(),
                UpstreamFixture.policy(),
                MASK_SECRET,
                LocalRoles.namespace(upstream.state),
                new PrintStream(log, true, StandardCharsets.UTF_8),
                clock);
    }

    private static Connection as(UpstreamConfig login) throws SQLException {
        return upstream.connect(login.user(), login.password());
    }

    @Test
    void theMintedRoleReadsMaskedValuesDirectlyAndIsRefusedWhatThePolicyDoesNotGrant() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<String> seen = new ArrayList<>();
        try (LocalRoles roles = start(log, Clock.systemUTC())) {
            UpstreamConfig login = roles.upstream();
            assertThat(login.user()).startsWith(upstream.names().loginPrefix()).isNotEqualTo(upstream.admin);
            try (Connection c = as(login)) {
                try (ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo(login.user());
                }
                try (ResultSet rs =
                        c.createStatement().executeQuery("SELECT name, email, ssn FROM customers ORDER BY id")) {
                    int rows = 0;
                    while (rs.next()) {
                        rows++;
                        assertThat(rs.getString(1)).isIn("Ada", "Grace");
                        // partial keeps the domain only; hash is keyed with the mask.key the proxy reads.
                        assertThat(rs.getString(2)).matches("\\*\\*\\*\\*@example\\.(com|org)");
                        assertThat(rs.getString(3)).isEqualTo(proxysHash(UpstreamFixture.SSNS.get(rows - 1)));
                        seen.add(rs.getString(2));
                        seen.add(rs.getString(3));
                    }
                    assertThat(rows).isEqualTo(2);
                }
                // Not through the masking view: the table's own masked columns are refused.
                assertThatThrownBy(() -> c.createStatement()
                                .executeQuery("SELECT email FROM public.customers")
                                .close())
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("42501"));
                try (ResultSet rs = c.createStatement().executeQuery("SELECT product FROM orders ORDER BY id")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("keyboard");
                }
                assertThatThrownBy(() -> c.createStatement()
                                .executeQuery("SELECT * FROM internal.salaries")
                                .close())
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            }
            assertThat(log.toString(StandardCharsets.UTF_8))
                    .contains("the agent connects as role " + login.user())
                    .contains("the database masks")
                    .doesNotContain(login.password())
                    .doesNotContain(UpstreamFixture.ADMIN_PASSWORD)
                    .doesNotContain("DEGRADED");
        }
        assertNoSecretIn(seen);
        assertThat(upstream.policyRoles()).isEmpty();
        assertThat(upstream.maskingSchemas()).isEmpty();
    }

    @Test
    void aRunThatCrashedLeavesNothingTheNextRunCannotCleanUp() throws Exception {
        LocalRoles crashed = start(new ByteArrayOutputStream(), Clock.systemUTC());
        UpstreamConfig lost = crashed.upstream();
        // The next run, on the same database, without the first one having stopped.
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (LocalRoles next = start(log, Clock.systemUTC());
                Connection c = as(next.upstream())) {
            assertThat(next.upstream().user()).isNotEqualTo(lost.user());
            assertThat(log.toString(StandardCharsets.UTF_8)).contains("dropped role " + lost.user());
            // The crashed run's role is gone: PostgreSQL answers as for a wrong password (28P01).
            assertThatThrownBy(() -> as(lost).close())
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
            try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM customers")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(2);
            }
        }
        assertThat(upstream.policyRoles()).isEmpty();
        // Stopping the crashed run's object afterwards finds nothing left and fails nothing.
        crashed.close();
        assertThat(upstream.policyRoles()).isEmpty();
    }

    /**
     * Two runs of the same policy on one database with state directories of their own (two
     * developers on a shared database): neither drops the other's login when it starts, and the
     * one that stops leaves the other's group, login and masking as they were.
     */
    @Test
    void runsWithStateDirectoriesOfTheirOwnKeepOutOfEachOthersRoles() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (LocalRoles first = start(log, Clock.systemUTC())) {
            UpstreamConfig firstLogin = first.upstream();
            ByteArrayOutputStream otherLog = new ByteArrayOutputStream();
            String otherNamespace = LocalRoles.namespace(java.nio.file.Path.of("another-state-directory"));
            assertThat(otherNamespace).isNotEqualTo(LocalRoles.namespace(upstream.state));
            try (LocalRoles other = LocalRoles.start(
                    upstream.adminLogin(),
                    UpstreamFixture.policy(),
                    MASK_SECRET,
                    otherNamespace,
                    new PrintStream(otherLog, true, StandardCharsets.UTF_8),
                    Clock.systemUTC())) {
                assertThat(other.upstream().user())
                        .doesNotStartWith(upstream.names().loginPrefix());
                assertThat(otherLog.toString(StandardCharsets.UTF_8)).doesNotContain("dropped role");
                try (Connection c = as(firstLogin);
                        ResultSet rs = c.createStatement().executeQuery("SELECT email FROM customers")) {
                    rs.next();
                    assertThat(rs.getString(1)).startsWith("****@");
                }
            }
            assertThat(upstream.policyRoles()).contains(upstream.names().group(), firstLogin.user());
            try (Connection c = as(firstLogin);
                    ResultSet rs = c.createStatement().executeQuery("SELECT email FROM customers")) {
                rs.next();
                assertThat(rs.getString(1))
                        .as("the first run's masking is still in force after the other stopped")
                        .startsWith("****@");
            }
        }
        assertThat(upstream.policyRoles()).isEmpty();
    }

    @Test
    void aLoginWithAThirdOfItsLifetimeLeftIsReplacedAndHandedOver() throws Exception {
        MovableClock clock = new MovableClock();
        List<String> handedOver = new ArrayList<>();
        try (LocalRoles roles = start(new ByteArrayOutputStream(), clock)) {
            roles.handOverTo((login, until) -> handedOver.add(login.user() + " until " + until));
            String first = roles.upstream().user();
            roles.rotate();
            assertThat(roles.upstream().user())
                    .as("two thirds of the hour left: kept")
                    .isEqualTo(first);

            clock.advance(Duration.ofMinutes(45));
            roles.rotate();
            UpstreamConfig second = roles.upstream();
            assertThat(second.user())
                    .isNotEqualTo(first)
                    .startsWith(upstream.names().loginPrefix());
            assertThat(handedOver).hasSize(2);
            assertThat(handedOver.get(1)).startsWith(second.user() + " until ");
            try (Connection c = as(second);
                    ResultSet rs = c.createStatement().executeQuery("SELECT email FROM customers")) {
                rs.next();
                assertThat(rs.getString(1)).startsWith("****@");
            }
            // The replaced login stays until its own expiry, so open sessions are not cut off.
            assertThat(upstream.policyRoles()).contains(first, second.user());
        }
        assertThat(upstream.policyRoles()).isEmpty();
    }

    /** What the proxy's hash strategy gives for a value: HMAC-SHA256 keyed per policy, 12 bytes in hex. */
    private static String proxysHash(String value) throws Exception {
        byte[] policyKey = hmac(MASK_SECRET, "pgwarden-mask/" + UpstreamFixture.POLICY);
        return "hmac:" + HexFormat.of().formatHex(hmac(policyKey, value), 0, 12);
    }

    private static byte[] hmac(byte[] key, String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertNoSecretIn(List<String> seen) {
        for (String text : seen) {
            String t = text.toLowerCase(Locale.ROOT);
            for (String email : UpstreamFixture.EMAILS) {
                assertThat(t).doesNotContain(email.substring(0, email.indexOf('@')));
            }
            for (String ssn : UpstreamFixture.SSNS) {
                assertThat(t).doesNotContain(ssn).doesNotContain(ssn.replace("-", ""));
            }
        }
    }

    /** The system clock, moved forward by the test to the moment a rotation is due. */
    private static final class MovableClock extends Clock {
        private volatile Duration offset = Duration.ZERO;

        void advance(Duration by) {
            offset = offset.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }
    }
}
