package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.v1alpha1.ObjectEstimate;
import dev.pgwarden.sidecar.approval.LocalApprovalGate;
import dev.pgwarden.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A DROP or TRUNCATE held for approval tells the reviewer what it would remove: the catalog's row
 * estimate and size of each relation it names, partitions and children included, of a schema's
 * tables, and a note where pgwarden's catalog read cannot see the object. Through the proxy with
 * pgjdbc in both protocols; the statements never run.
 */
@org.junit.jupiter.api.Timeout(120)
class DropEstimatesTest {
    private static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: estimates}
      spec:
        access: {mode: ReadWrite}
        rules:
          - {name: destructive-ddl, statements: [DROP, TRUNCATE], action: RequireApproval}
        approval: {mode: Retry, timeout: 10m}
      """;

    /** 70 bytes: PostgreSQL keeps the first 63. */
    private static final String LONG = "estimates_table_with_a_name_longer_than_postgresql_keeps_for_any_name1";

    static LocalApprovalGate gate;
    static ProxyFixture proxy;

    @BeforeAll
    static void start() throws SQLException {
        gate = new LocalApprovalGate(Clock.systemUTC());
        proxy = new ProxyFixture(POLICY, gate);
        try (Connection c = TestPostgres.shared().superuser(TestPostgres.DATABASE);
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS est_s CASCADE");
            s.execute("CREATE SCHEMA est_s AUTHORIZATION " + TestPostgres.SCRAM_USER);
            s.execute("SET ROLE " + TestPostgres.SCRAM_USER);
            s.execute("CREATE TABLE est_s.orders (id int, at date) PARTITION BY RANGE (id)");
            for (int p = 0; p < 3; p++) {
                s.execute("CREATE TABLE est_s.orders_" + p + " PARTITION OF est_s.orders FOR VALUES FROM (" + p * 1000
                        + ") TO (" + (p + 1) * 1000 + ")");
            }
            s.execute("INSERT INTO est_s.orders SELECT g, current_date FROM generate_series(0, 2999) g");
            s.execute("CREATE TABLE est_s.parent (id int)");
            s.execute("CREATE TABLE est_s.child () INHERITS (est_s.parent)");
            s.execute("INSERT INTO est_s.parent SELECT generate_series(1, 100)");
            s.execute("INSERT INTO est_s.child SELECT generate_series(1, 50)");
            s.execute("CREATE TABLE est_s.\"Mixed Case\" (id int)");
            s.execute("INSERT INTO est_s.\"Mixed Case\" SELECT generate_series(1, 7)");
            s.execute("CREATE TABLE est_s." + LONG + " (id int)");
            s.execute("INSERT INTO est_s." + LONG + " SELECT generate_series(1, 20)");
            s.execute("ANALYZE est_s.orders, est_s.parent, est_s.child, est_s.\"Mixed Case\", est_s." + LONG);
            // Rows, never analyzed: no estimate of them.
            s.execute("CREATE TABLE est_s.fresh (id int)");
            s.execute("INSERT INTO est_s.fresh SELECT generate_series(1, 10)");
        }
    }

    @AfterAll
    static void stop() throws SQLException {
        try (Connection c = TestPostgres.shared().superuser(TestPostgres.DATABASE);
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS est_s CASCADE");
        }
        proxy.close();
        gate.close();
    }

    @Test
    void aPartitionedTableCountsItsPartitions() throws Exception {
        List<ObjectEstimate> e = held(false, "TRUNCATE est_s.orders");
        assertThat(e).hasSize(1);
        assertThat(e.get(0).target()).isEqualTo("partitioned table est_s.orders");
        assertThat(e.get(0).relations()).isEqualTo(4);
        assertThat(e.get(0).rows()).isEqualTo(3000L);
        assertThat(e.get(0).bytes()).isPositive();
        assertThat(e.get(0).summary()).startsWith("partitioned table est_s.orders: about 3,000 rows, ");
        assertThat(rows("est_s.orders")).as("nothing ran").isEqualTo(3000);
    }

    @Test
    void everyNameOfADropInTheExtendedProtocolWithChildrenAndUnanalyzedTables() throws Exception {
        List<ObjectEstimate> e = held(true, "DROP TABLE est_s.parent, est_s.fresh CASCADE");
        assertThat(e).extracting(ObjectEstimate::target).containsExactly("table est_s.parent", "table est_s.fresh");
        assertThat(e.get(0).relations()).isEqualTo(2);
        assertThat(e.get(0).rows()).isEqualTo(150L);
        assertThat(e.get(1).rows()).as("never analyzed").isNull();
        assertThat(e.get(1).bytes()).isPositive();
        assertThat(e.get(1).note()).contains("never analyzed");
        assertThat(rows("est_s.parent")).isEqualTo(150);
    }

    @Test
    void truncateOnlyLeavesTheChildrenOut() throws Exception {
        List<ObjectEstimate> e = held(false, "TRUNCATE ONLY est_s.parent");
        assertThat(e.get(0).relations()).isEqualTo(1);
        assertThat(e.get(0).rows()).isEqualTo(100L);
        assertThat(e.get(0).note()).contains("ONLY");
    }

    @Test
    void namesAreResolvedAsPostgresqlResolvesThem() throws Exception {
        List<ObjectEstimate> e =
                held(true, "TRUNCATE EST_S.\"Mixed Case\", est_s.U&\"Mixed\\0020Case\", est_s." + LONG);
        assertThat(e).extracting(ObjectEstimate::rows).containsExactly(7L, 7L, 20L);
        assertThat(e.get(2).name()).isEqualTo("est_s." + LONG.substring(0, 63));
    }

    @Test
    void aSchemaSumsItsTables() throws Exception {
        List<ObjectEstimate> e = held(false, "DROP SCHEMA est_s CASCADE");
        assertThat(e.get(0).target()).isEqualTo("schema est_s");
        // orders and its 3 partitions, parent, child, "Mixed Case", the long one, fresh.
        assertThat(e.get(0).relations()).isEqualTo(9);
        assertThat(e.get(0).rows()).isEqualTo(3000L + 150 + 7 + 20);
        assertThat(e.get(0).note()).contains("1 table was never analyzed");
    }

    @Test
    void whatTheCatalogReadCannotSeeIsSaid() throws Exception {
        try (Connection c = proxy.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE est_temp (id int)");
            List<ObjectEstimate> e = held(c, false, "DROP TABLE est_temp, est_s.no_such_table");
            assertThat(e).extracting(ObjectEstimate::rows).containsExactly(null, null);
            assertThat(e.get(0).summary()).startsWith("relation est_temp: no estimate (not found");
            assertThat(e.get(1).note()).contains("temporary table");
        }
    }

    @Test
    void otherHeldStatementsCarryNoEstimates() throws Exception {
        assertThat(held(false, "DROP FUNCTION IF EXISTS est_s.nothing()")).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private static List<ObjectEstimate> held(boolean extended, String sql) throws Exception {
        Properties p = new Properties();
        p.setProperty("preferQueryMode", extended ? "extended" : "simple");
        try (Connection c = proxy.connect(p)) {
            return held(c, extended, sql);
        }
    }

    /** Runs the statement, which the Retry gate refuses at once, and returns its request's estimates. */
    private static List<ObjectEstimate> held(Connection c, boolean extended, String sql) throws Exception {
        assertThatThrownBy(() -> {
                    if (extended) {
                        try (PreparedStatement ps = c.prepareStatement(sql)) {
                            ps.execute();
                        }
                    } else {
                        try (Statement s = c.createStatement()) {
                            s.execute(sql);
                        }
                    }
                })
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        LocalApprovalGate.Entry entry = gate.list().stream()
                .filter(x -> x.request().statement().equals(sql))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no request for " + sql));
        return entry.request().estimates();
    }

    private static int rows(String table) throws SQLException {
        try (Connection c = TestPostgres.shared().superuser(TestPostgres.DATABASE);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
