package dev.pgwarden.api.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.api.v1alpha1.SslMode;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.Driver;

/** What pgjdbc makes of the URLs: read back with the driver's own parser. */
class JdbcTargetTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "app",
                "app?ssl=false&socketFactory=x",
                "app?sslmode=disable",
                "a/b",
                "a#b",
                "a b",
                "a+b",
                "100%",
                "%41",
                "a;b",
                "données",
                "データベース",
                "emoji-\uD83D\uDC18",
                "a\"b'c"
            })
    void aDatabaseNameStaysOneNameAndAddsNoParameters(String name) {
        JdbcTarget target = JdbcTarget.of("db.example.com", 5433, name, SslMode.VERIFY_FULL);

        Properties parsed = Driver.parseURL(target.url(), new Properties());

        assertThat(parsed).as(target.url()).isNotNull();
        assertThat(parsed.getProperty("PGDBNAME")).isEqualTo(name);
        assertThat(parsed.getProperty("PGHOST")).isEqualTo("db.example.com");
        assertThat(parsed.getProperty("PGPORT")).isEqualTo("5433");
        assertThat(parsed.stringPropertyNames())
                .as("nothing but host, port and database came from the URL")
                .containsExactlyInAnyOrder("PGDBNAME", "PGHOST", "PGPORT");
    }

    @Test
    void anIpv6HostIsBracketedOnce() {
        assertThat(JdbcTarget.of("::1", 5432, "app", SslMode.DISABLE).url())
                .isEqualTo("jdbc:postgresql://[::1]:5432/app");
        assertThat(JdbcTarget.of("[::1]", 5432, "app", SslMode.DISABLE).url())
                .isEqualTo("jdbc:postgresql://[::1]:5432/app");
        assertThat(Driver.parseURL(
                                JdbcTarget.of("fd00::5", 5432, "app", SslMode.DISABLE)
                                        .url(),
                                new Properties())
                        .getProperty("PGHOST"))
                .isEqualTo("[fd00::5]");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"db/x?ssl=false", "db?ssl=false", "db#x", "a,b", "user@db", "db x", "db\n", "", "[db]", "db\\x"})
    void aHostThatCouldRestructureTheUrlIsRefused(String host) {
        assertThatThrownBy(() -> JdbcTarget.of(host, 5432, "app", SslMode.REQUIRE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tlsAndOptionsAreConnectionPropertiesNotUrlParameters() {
        JdbcTarget target = JdbcTarget.of(new DatabaseTarget("postgres.data.svc", null, "app", null, null))
                .withOption("ApplicationName", "pgwarden-operator")
                .withOption("connectTimeout", "10");

        assertThat(target.url()).isEqualTo("jdbc:postgresql://postgres.data.svc:5432/app");
        assertThat(target.properties())
                .containsOnly(
                        java.util.Map.entry("sslmode", "require"),
                        java.util.Map.entry("ApplicationName", "pgwarden-operator"),
                        java.util.Map.entry("connectTimeout", "10"));
        assertThat(JdbcTarget.of("h", 1, "d", SslMode.DISABLE).properties().getProperty("sslmode"))
                .isEqualTo("disable");
        assertThat(JdbcTarget.of("h", 1, "d", SslMode.VERIFY_FULL).properties().getProperty("sslmode"))
                .isEqualTo("verify-full");
    }

    @Test
    void validHostIsWhatAPolicyMayName() {
        assertThat(JdbcTarget.validHost("postgres.data.svc")).isTrue();
        assertThat(JdbcTarget.validHost("10.0.0.7")).isTrue();
        assertThat(JdbcTarget.validHost("fd00::5")).isTrue();
        assertThat(JdbcTarget.validHost("127.0.0.1/x?ssl=false")).isFalse();
        assertThat(JdbcTarget.validHost("my_db")).isFalse();
        assertThat(JdbcTarget.validHost(null)).isFalse();
    }
}
