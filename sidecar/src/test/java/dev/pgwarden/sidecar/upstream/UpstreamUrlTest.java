package dev.pgwarden.sidecar.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.v1alpha1.SslMode;
import org.junit.jupiter.api.Test;

class UpstreamUrlTest {
    @Test
    void parsesAllParts() {
        UpstreamConfig c = UpstreamUrl.parse(
                "postgresql://app%40team:p%3Ass+w@db.example.com:6000/sales?sslmode=verify-full", null);
        assertThat(c.user()).isEqualTo("app@team");
        assertThat(c.password()).isEqualTo("p:ss+w");
        assertThat(c.host()).isEqualTo("db.example.com");
        assertThat(c.port()).isEqualTo(6000);
        assertThat(c.database()).isEqualTo("sales");
        assertThat(c.sslMode()).isEqualTo(SslMode.VERIFY_FULL);
    }

    @Test
    void defaultsKeepPasswordsOffTheNetworkInClear() {
        assertThat(UpstreamUrl.parse("postgresql://u@localhost/d", null).sslMode())
                .isEqualTo(SslMode.DISABLE);
        assertThat(UpstreamUrl.parse("postgresql://u@10.1.2.3/d", null).sslMode())
                .isEqualTo(SslMode.REQUIRE);
        assertThat(UpstreamUrl.parse("postgresql://u@db/d", "fromfile").password())
                .isEqualTo("fromfile");
        assertThat(UpstreamUrl.parse("postgresql://u@db", null).database()).isEqualTo("u");
    }

    @Test
    void rejectsWhatItCannotHonour() {
        assertThatThrownBy(() -> UpstreamUrl.parse("mysql://u@h/d", null)).hasMessageContaining("postgresql://");
        assertThatThrownBy(() -> UpstreamUrl.parse("postgresql://h/d", null)).hasMessageContaining("no user");
        assertThatThrownBy(() -> UpstreamUrl.parse("postgresql://u@h/d?sslmode=prefer", null))
                .hasMessageContaining("sslmode prefer is not supported");
        assertThatThrownBy(() -> UpstreamUrl.parse("postgresql://u@h/d?target_session_attrs=any", null))
                .hasMessageContaining("unknown upstream URL parameter");
    }
}
