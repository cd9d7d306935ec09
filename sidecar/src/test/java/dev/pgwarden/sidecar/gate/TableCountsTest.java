package dev.pgwarden.sidecar.gate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.sidecar.policy.StatementPolicy;
import dev.pgwarden.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * pgwarden's own count of a transaction's writes, run on PostgreSQL in a session whose search_path
 * puts operators of the agent's making first: it still reads what the tables' counters say, and a
 * TRUNCATE (which counts no row) counts as over every limit, and so do a DROP, an ALTER and a
 * rename. Another session's TRUNCATE does not; another session's new table makes a drop
 * impossible to rule out, so it counts as over the limit too (fail closed).
 */
class TableCountsTest {
    private static TableCounts count(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery(TableCounts.SQL)) {
            rs.next();
            return TableCounts.of(Arrays.asList(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
        }
    }

    @Test
    void operatorsOnTheSearchPathChangeNothingItCounts() throws SQLException {
        try (Connection c = TestPostgres.shared().superuser(TestPostgres.DATABASE);
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS counts_evil CASCADE; CREATE SCHEMA counts_evil");
            s.execute(
                    "CREATE OPERATOR counts_evil.+ (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = pg_catalog.int8mul)");
            s.execute(
                    "CREATE OPERATOR counts_evil.= (LEFTARG = \"char\", RIGHTARG = \"char\", FUNCTION = pg_catalog.charne)");
            s.execute(
                    "CREATE OPERATOR counts_evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = pg_catalog.text_larger)");
            s.execute("CREATE TABLE counts_evil.t (id int); CREATE TABLE counts_evil.u (id int);"
                    + " CREATE TABLE counts_evil.w (id int); INSERT INTO counts_evil.w VALUES (1)");
            s.execute("SET search_path = counts_evil, pg_catalog");
            c.setAutoCommit(false);
            try {
                TableCounts before = count(s);
                s.execute("INSERT INTO counts_evil.t SELECT g FROM generate_series(1, 3) g");
                s.execute("INSERT INTO counts_evil.u VALUES (1)");
                TableCounts inserted = count(s);
                assertThat(inserted.since(before)).isEqualTo(4);
                assertThat(inserted.written()).isEqualTo(before.written());
                try (Connection other = TestPostgres.shared().superuser(TestPostgres.DATABASE);
                        Statement o = other.createStatement()) {
                    o.execute("TRUNCATE counts_evil.w");
                }
                assertThat(count(s).since(before))
                        .as("another session's TRUNCATE")
                        .isEqualTo(4);
                s.execute("CREATE TEMP TABLE counts_scratch (id int); TRUNCATE counts_scratch");
                assertThat(count(s).since(before))
                        .as("a temporary table of its own")
                        .isEqualTo(4);
                s.execute("SAVEPOINT a; TRUNCATE counts_evil.u");
                assertThat(count(s).since(before))
                        .as("a TRUNCATE of a table that existed before, in a savepoint")
                        .isEqualTo(StatementPolicy.UNCOUNTED);
                s.execute("ROLLBACK TO SAVEPOINT a");
                assertThat(count(s).since(before)).as("rolled back").isEqualTo(4);
                for (String change : new String[] {
                    "DROP TABLE counts_evil.u",
                    "ALTER TABLE counts_evil.u ADD COLUMN v int",
                    "ALTER TABLE counts_evil.u RENAME TO counts_renamed",
                    "CREATE TABLE counts_evil.x (id int)",
                    "DROP TABLE counts_evil.u; CREATE TABLE counts_evil.x (id int)"
                }) {
                    s.execute("SAVEPOINT b; " + change);
                    assertThat(count(s).since(before)).as(change).isEqualTo(StatementPolicy.UNCOUNTED);
                    s.execute("ROLLBACK TO SAVEPOINT b");
                }
                try (Connection other = TestPostgres.shared().superuser(TestPostgres.DATABASE);
                        Statement o = other.createStatement()) {
                    o.execute("CREATE TABLE counts_evil.y (id int)");
                }
                s.execute("DROP TABLE counts_evil.t");
                assertThat(count(s).since(before))
                        .as("a DROP while another session created a table")
                        .isEqualTo(StatementPolicy.UNCOUNTED);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
                s.execute("RESET search_path; DROP SCHEMA counts_evil CASCADE");
            }
        }
    }

    /**
     * A table whose catalog row the transaction wrote before the trial (a CLUSTER) and that the
     * trial truncates: the row is written again, in the trial's own subtransaction, and shows.
     */
    @Test
    void aTruncateAfterAnEarlierRewriteInTheTransactionShows() throws SQLException {
        try (Connection c = TestPostgres.shared().superuser(TestPostgres.DATABASE);
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS counts_clustered; CREATE TABLE counts_clustered (id int PRIMARY KEY);"
                    + " INSERT INTO counts_clustered SELECT g FROM generate_series(1, 5) g");
            c.setAutoCommit(false);
            try {
                s.execute("CLUSTER counts_clustered USING counts_clustered_pkey");
                s.execute("SAVEPOINT trial");
                TableCounts before = count(s);
                assertThat(before.written()).isNotEmpty();
                s.execute("TRUNCATE counts_clustered");
                assertThat(count(s).since(before)).isEqualTo(StatementPolicy.UNCOUNTED);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
                s.execute("DROP TABLE counts_clustered");
            }
        }
    }

    /**
     * A DROP while another session commits a table it created before the count began (so its oid
     * is older than the newest table's): the number of tables is unchanged, but the oids are not.
     */
    @Test
    void aDropHiddenByAnOlderTableCommittedMeanwhileShows() throws SQLException {
        TestPostgres pg = TestPostgres.shared();
        try (Connection c = pg.superuser(TestPostgres.DATABASE);
                Statement s = c.createStatement();
                Connection slow = pg.superuser(TestPostgres.DATABASE);
                Statement b = slow.createStatement();
                Statement o = pg.superuser(TestPostgres.DATABASE).createStatement()) {
            s.execute("DROP TABLE IF EXISTS counts_victim, counts_old, counts_new;"
                    + " CREATE TABLE counts_victim (id int)");
            slow.setAutoCommit(false);
            b.execute("CREATE TABLE counts_old (id int)");
            o.execute("CREATE TABLE counts_new (id int)");
            c.setAutoCommit(false);
            try {
                TableCounts before = count(s);
                s.execute("DROP TABLE counts_victim");
                slow.commit();
                TableCounts after = count(s);
                assertThat(after.tables()).isEqualTo(before.tables());
                assertThat(after.since(before)).isEqualTo(StatementPolicy.UNCOUNTED);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
                s.execute("DROP TABLE IF EXISTS counts_victim, counts_old, counts_new");
                o.getConnection().close();
            }
        }
    }

    @Test
    void aRowThatIsNotACountIsNone() {
        assertThat(TableCounts.of(java.util.List.of())).isNull();
        assertThat(TableCounts.of(Arrays.asList((String) null, null))).isNull();
        assertThat(TableCounts.of(java.util.List.of("3", "1", "16400", "12:5,x")))
                .isNull();
        assertThat(TableCounts.of(java.util.List.of("3", "1", "16400", "12"))).isNull();
        assertThat(TableCounts.of(java.util.List.of("3", "1", "16400", "12:5")).written())
                .containsExactly("12:5");
        assertThat(TableCounts.of(java.util.List.of("3", "1"))).isNull();
        assertThat(TableCounts.of(Arrays.asList("3", "1", "16400", null)).changed())
                .isEqualTo(3);
    }
}
