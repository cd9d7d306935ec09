package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A million masked rows stream through: every masked value is replaced, and the proxy's buffer
 * memory stays small (the surefire JVM has -Xmx256m for the proxy, the client and the test).
 */
class MaskedLargeResultTest {
    static final long ROWS = 1_000_000;
    private static final long MAX_PROXY_BUFFERS = 64L * 1024 * 1024;
    static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: masked-large}
      spec:
        access: {mode: ReadOnly}
        masking:
          - columns: [mask_big.people.email]
            strategy: partial
          - columns: [mask_big.people.ssn]
            strategy: hash
        onUnparseable: Deny
      """;
    private static ProxyFixture f;

    @BeforeAll
    static void start() throws SQLException {
        createPeople("mask_big", ROWS);
        f = new ProxyFixture(POLICY, null);
    }

    /** Six columns, two of them (email, ssn) personal data. */
    static void createPeople(String schema, long rows) throws SQLException {
        try (Connection c = TestPostgres.shared().superuser("app");
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("CREATE SCHEMA " + schema + " AUTHORIZATION " + TestPostgres.SCRAM_USER);
            s.execute("SET ROLE " + TestPostgres.SCRAM_USER);
            s.execute("CREATE TABLE " + schema
                    + ".people (id int, name text, email text, ssn text, city text, score int)");
            s.execute("INSERT INTO " + schema + ".people SELECT g, 'person ' || g, 'user' || g || '@example.com',"
                    + " lpad((g % 1000)::text, 3, '0') || '-' || lpad((g % 100)::text, 2, '0') || '-' || lpad(g::text, 4, '0'),"
                    + " 'city ' || (g % 97), g % 1000 FROM generate_series(1, " + rows + ") g");
            s.execute("ANALYZE " + schema + ".people");
        }
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @Test
    void aMillionMaskedRowsStreamInBoundedMemory() throws Exception {
        AtomicLong rows = new AtomicLong();
        AtomicLong clear = new AtomicLong();
        long peak = BufferMemory.peakDuring(() -> {
            try (Connection c = f.connect()) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.setFetchSize(50_000);
                    ResultSet rs = s.executeQuery("SELECT id, name, email, ssn, city, score FROM mask_big.people");
                    while (rs.next()) {
                        rows.incrementAndGet();
                        String email = rs.getString(3);
                        String ssn = rs.getString(4);
                        if (!email.startsWith("****@example.com")
                                || !ssn.startsWith("hmac:")
                                || rs.getString(2).isEmpty()) {
                            clear.incrementAndGet();
                        }
                    }
                }
                c.commit();
            }
        });
        System.out.printf("masked SELECT: %d rows, peak proxy buffers %d KiB%n", rows.get(), peak >> 10);
        assertThat(rows.get()).isEqualTo(ROWS);
        assertThat(clear.get()).as("rows with a value not masked").isZero();
        assertThat(peak).as("the sampler saw the proxy's buffers at all").isPositive();
        assertThat(peak).isLessThan(MAX_PROXY_BUFFERS);
    }

    @Test
    @org.junit.jupiter.api.Timeout(180)
    void aMaskedRowOverSixtyFourMebibytesEndsTheSession() throws Exception {
        // PostgreSQL builds a 65 MiB value first: on a loaded machine that takes longer than a read's usual wait.
        try (RawClient c = new RawClient(f.port()).authenticate(f.token()).patient(120_000)) {
            c.query("SELECT email, repeat('x', 65 * 1024 * 1024) AS filler FROM mask_big.people WHERE id = 1");
            java.util.List<RawClient.Message> before = new java.util.ArrayList<>();
            RawClient.Message m;
            while ((m = c.read()).type() != 'E') {
                before.add(m);
            }
            assertThat(before).as("no row reaches the client").noneMatch(x -> x.type() == 'D');
            assertThat(m.fields().get('S')).isEqualTo("FATAL");
            assertThat(m.fields().get('C')).isEqualTo("54000");
            assertThat(m.fields().get('M')).contains("a result row of more than 67108864 bytes holds masked columns");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(f.auditText()).doesNotContain("user1@example.com");
    }
}
