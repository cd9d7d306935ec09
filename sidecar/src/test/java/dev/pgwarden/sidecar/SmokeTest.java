package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void selectThroughTheProxy() throws Exception {
        java.util.Properties p = new java.util.Properties();
        // With a known server version pgjdbc sends application_name in the startup packet.
        p.setProperty("assumeMinServerVersion", "17");
        try (ProxyFixture f = new ProxyFixture();
                Connection c = f.connect(p);
                Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("select 40 + 2, current_user, current_setting('application_name')");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(42);
            assertThat(rs.getString(2)).isEqualTo("agent_scram");
            assertThat(rs.getString(3)).matches("pgwarden:[0-9a-f]{12} PostgreSQL JDBC Driver");
            f.awaitEvent(e -> e.path("statement").asText().contains("40 + 2"));
        }
    }
}
