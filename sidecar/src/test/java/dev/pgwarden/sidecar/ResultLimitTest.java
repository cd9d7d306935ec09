package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * limits.maxResultRows and limits.maxResultBytes through the proxy with pgjdbc, both protocols:
 * a result that passes a limit ends with error 54000 naming it, the query is cancelled upstream,
 * the audit records the statement as limited, and the session goes on.
 */
class ResultLimitTest {
    private static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: result-limits}
      spec:
        access: {mode: ReadWrite}
        limits: {maxResultRows: 100, maxResultBytes: 100000}
        onUnparseable: Deny
      """;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() {
        proxy = new ProxyFixture(POLICY, null);
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    private static Connection connect(boolean simple) throws SQLException {
        Properties p = new Properties();
        if (simple) {
            p.setProperty("preferQueryMode", "simple");
        }
        return proxy.connect(p);
    }

    private static int count(ResultSet rs) throws SQLException {
        int n = 0;
        while (rs.next()) {
            n++;
        }
        return n;
    }

    private static void stillUsable(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT 41 + 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(42);
        }
    }

    private static void limited(SQLException e, String limit) {
        assertThat(e.getSQLState()).isEqualTo("54000");
        assertThat(e.getMessage()).contains("limits." + limit);
        assertThat(e.getMessage()).containsAnyOf("LIMIT", "COPY (SELECT");
    }

    @Test
    void aResultWithinTheLimitsArrivesWhole() throws SQLException {
        for (boolean simple : new boolean[] {true, false}) {
            try (Connection c = connect(simple);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT g FROM generate_series(1, 100) g")) {
                assertThat(count(rs)).isEqualTo(100);
            }
        }
    }

    @Test
    void tooManyRowsEndTheStatementAndTheSessionGoesOn() throws SQLException {
        for (boolean simple : new boolean[] {true, false}) {
            try (Connection c = connect(simple);
                    Statement s = c.createStatement()) {
                String sql = "SELECT g, 'rows " + simple + "' FROM generate_series(1, 1000) g";
                assertThatThrownBy(() -> count(s.executeQuery(sql)))
                        .isInstanceOfSatisfying(SQLException.class, e -> limited(e, "maxResultRows (100 rows)"));
                stillUsable(s);
                // Inside a transaction too: the statement failed, so does the transaction, and rollback recovers it.
                c.setAutoCommit(false);
                assertThatThrownBy(() -> count(s.executeQuery(sql)))
                        .isInstanceOfSatisfying(SQLException.class, e -> limited(e, "maxResultRows (100 rows)"));
                c.rollback();
                c.setAutoCommit(true);
                stillUsable(s);
                JsonNode event = proxy.statements("'rows " + simple + "'").get(0);
                assertThat(event.path("outcome").asText()).isEqualTo("limited");
                assertThat(event.path("sqlstate").asText()).isEqualTo("54000");
                assertThat(event.path("message").asText()).contains("limits.maxResultRows");
            }
        }
    }

    @Test
    void extendedProtocolCountsPerExecuteSoFetchingInPiecesWorks() throws SQLException {
        try (Connection c = connect(false)) {
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement("SELECT g FROM generate_series(1, 1000) g")) {
                p.setFetchSize(50);
                try (ResultSet rs = p.executeQuery()) {
                    assertThat(count(rs)).isEqualTo(1000);
                }
            }
            // A cursor read in FETCHes of fewer rows than the limit: every FETCH is a result of its own.
            try (Statement s = c.createStatement()) {
                s.execute("DECLARE limits_c CURSOR FOR SELECT g FROM generate_series(1, 500) g");
                int total = 0;
                for (int i = 0; i < 5; i++) {
                    try (ResultSet rs = s.executeQuery("FETCH 100 FROM limits_c")) {
                        total += count(rs);
                    }
                }
                assertThat(total).isEqualTo(500);
            }
            c.commit();
        }
    }

    @Test
    void oneHugeRowPassesTheByteLimitAndNoneOfItIsSent() throws SQLException {
        for (boolean simple : new boolean[] {true, false}) {
            try (Connection c = connect(simple);
                    Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT repeat('x', 90000)")) {
                    assertThat(count(rs)).isEqualTo(1);
                }
                // Larger than a read: the row streams in chunks, and is refused at its header.
                assertThatThrownBy(() -> count(s.executeQuery("SELECT 1, repeat('x', 2000000)")))
                        .isInstanceOfSatisfying(SQLException.class, e -> limited(e, "maxResultBytes (100000 bytes)"));
                stillUsable(s);
                // Many small rows that add up.
                assertThatThrownBy(() -> count(s.executeQuery("SELECT repeat('y', 2000) FROM generate_series(1, 80)")))
                        .isInstanceOfSatisfying(SQLException.class, e -> limited(e, "maxResultBytes"));
                stillUsable(s);
            }
        }
    }

    @Test
    void copyToStdoutCountsItsRows() throws Exception {
        for (boolean simple : new boolean[] {true, false}) {
            try (Connection c = connect(simple)) {
                CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                assertThat(copy.copyOut("COPY (SELECT generate_series(1, 100)) TO STDOUT", out))
                        .isEqualTo(100);
                assertThatThrownBy(() -> copy.copyOut(
                                "COPY (SELECT generate_series(1, 5000)) TO STDOUT", new ByteArrayOutputStream()))
                        .isInstanceOfSatisfying(SQLException.class, e -> limited(e, "maxResultRows"));
                assertThatThrownBy(() -> copy.copyOut(
                                "COPY (SELECT repeat('z', 300000)) TO STDOUT", new ByteArrayOutputStream()))
                        .isInstanceOfSatisfying(SQLException.class, e -> limited(e, "maxResultBytes"));
                try (Statement s = c.createStatement()) {
                    stillUsable(s);
                }
            }
        }
    }

    @Test
    void eachStatementOfAQueryIsAResultOfItsOwn() throws SQLException {
        try (Connection c = connect(true);
                Statement s = c.createStatement()) {
            // Three results of 80 rows: 240 in all, each within the limit.
            s.execute("SELECT generate_series(1, 80); SELECT generate_series(1, 80); SELECT generate_series(1, 80)");
            int results = 0;
            do {
                try (ResultSet rs = s.getResultSet()) {
                    assertThat(count(rs)).isEqualTo(80);
                }
                results++;
            } while (s.getMoreResults());
            assertThat(results).isEqualTo(3);
            assertThatThrownBy(() -> s.execute("SELECT 1; SELECT generate_series(1, 1000); SELECT 2"))
                    .isInstanceOfSatisfying(SQLException.class, e -> limited(e, "maxResultRows"));
            stillUsable(s);
        }
    }

    @Test
    void theQueryIsCancelledUpstream() throws SQLException {
        for (boolean simple : new boolean[] {true, false}) {
            try (Connection c = connect(simple);
                    Statement s = c.createStatement()) {
                long began = System.nanoTime();
                // Would run for 100 s; cancelled once the 101st row arrives.
                assertThatThrownBy(() ->
                                count(s.executeQuery("SELECT g, pg_sleep(0.001) FROM generate_series(1, 100000) g")))
                        .isInstanceOfSatisfying(SQLException.class, e -> limited(e, "maxResultRows"));
                stillUsable(s);
                assertThat((System.nanoTime() - began) / 1_000_000).isLessThan(20_000);
            }
        }
        try (Connection direct = proxy.postgres.direct();
                Statement s = direct.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(0.001)%' AND state = 'active'"
                                + " AND pid <> pg_backend_pid()")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }
}
