package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgwarden.sidecar.upstream.Transport;
import dev.pgwarden.testkit.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.PGConnection;

/** Every transport relays, streams and cancels alike; the rest of the suite runs on the default one. */
class TransportTest {
  @ParameterizedTest
  @EnumSource(Transport.class)
  void relaysStreamsAndCancels(Transport transport) throws Exception {
    assumeTrue(transport.isAvailable(), transport + " is not available here");
    try (ProxyFixture f = new ProxyFixture(ProxyFixture.upstream(TestPostgres.SCRAM_USER, TestPostgres.PASSWORD),
        1 << 20, Duration.ofSeconds(10), transport); Connection c = f.connect(); Statement s = c.createStatement()) {
      ResultSet rs = s.executeQuery("select count(*), sum(g) from generate_series(1, 100000) g");
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(100_000);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long rows = c.unwrap(PGConnection.class).getCopyAPI()
          .copyOut("COPY (select repeat('x', 1000) from generate_series(1, 5000)) TO STDOUT", out);
      assertThat(rows).isEqualTo(5000);
      assertThat(out.toString(StandardCharsets.US_ASCII)).hasSize(5000 * 1001);
      Thread canceller = ProxyFixture.cancelSoon(s);
      try {
        s.execute("select pg_sleep(20)");
        throw new AssertionError("the statement should have been cancelled");
      } catch (java.sql.SQLException e) {
        assertThat(e.getSQLState()).isEqualTo("57014");
      }
      canceller.join();
    }
  }
}
