package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The agent cannot name what pgwarden runs on its session: the trial's savepoint (a RELEASE or
 * ROLLBACK TO of it, or a second one of that name a rollback would stop at), the counts' prepared
 * statements (whose names {@code pg_prepared_statements} shows), the syntax check's. Each is
 * refused with 42501 and rule {@code pgwarden:reserved-names}, in the simple protocol and the
 * extended one, however the name is spelled; a name that only looks alike runs.
 */
class ReservedNamesTest {
    private static final String POLICY = TrialRunTest.POLICY.replace("{name: trial-policy}", "{name: reserved}");
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() {
        proxy = new ProxyFixture(POLICY, null);
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @BeforeEach
    void table() throws SQLException {
        TestPostgres pg = TestPostgres.shared();
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + TestPostgres.DATABASE,
                        TestPostgres.SCRAM_USER,
                        TestPostgres.PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS reserved_t; CREATE TABLE reserved_t (id int PRIMARY KEY, v text);"
                    + " INSERT INTO reserved_t SELECT g, 'v' || g FROM generate_series(1, 10) g");
        }
    }

    private static Connection connect(boolean simple) throws SQLException {
        Properties p = new Properties();
        p.setProperty("preferQueryMode", simple ? "simple" : "extended");
        return proxy.connect(p);
    }

    private static int rows() throws SQLException {
        try (Connection c = connect(true);
                ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM reserved_t")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @ParameterizedTest(name = "{0} ({1})")
    @CsvSource(
            delimiter = '|',
            value = {
                "SAVEPOINT pgwarden_trial | simple |",
                "SAVEPOINT pgwarden_trial | extended |",
                "SAVEPOINT PGWARDEN_TRIAL | simple |",
                "SAVEPOINT \"pgwarden_trial\" | extended |",
                "SAVEPOINT U&\"pgwarden\\005ftrial\" | simple |",
                "RELEASE SAVEPOINT U&\"\\0070gwarden_trial\" | extended |",
                "ROLLBACK TO SAVEPOINT U&\"!0070gwarden_trial\" UESCAPE '!' | simple |",
                "SAVEPOINT " + "pgwarden_trial_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                        + " | simple |",
                "RELEASE SAVEPOINT pgwarden_trial | simple |",
                "RELEASE pgwarden_trial | extended |",
                "ROLLBACK TO SAVEPOINT pgwarden_trial | simple |",
                "ROLLBACK TRANSACTION TO pgwarden_trial | extended |",
                "PREPARE pgwarden_count_0 AS SELECT 1 | simple |",
                "PREPARE pgwarden_count_0 AS SELECT 1 | extended |",
                "DEALLOCATE pgwarden_count_0 | simple |",
                "DEALLOCATE PREPARE pgwarden_syntax_check | extended |",
                "EXECUTE pgwarden_refused | simple | pgwarden_refused",
                "DECLARE pgwarden_cursor CURSOR FOR SELECT 1 | simple |",
                "FETCH 1 FROM pgwarden_cursor | extended |",
                "CLOSE pgwarden_cursor | simple |"
            })
    void aStatementNamingOneOfPgwardensOwnIsRefused(String sql, String mode, String says) throws SQLException {
        try (Connection c = connect(mode.equals("simple"))) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT 1");
                assertThatThrownBy(() -> s.execute(sql)).isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("42501");
                    // EXECUTE of a name never prepared is refused for that first.
                    assertThat(e.getMessage()).contains(says == null ? "pgwarden:reserved-names" : says);
                });
            }
            c.rollback();
        }
    }

    @Test
    void namesThatOnlyLookAlikeRun() throws SQLException {
        for (boolean simple : new boolean[] {true, false}) {
            try (Connection c = connect(simple);
                    Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("SAVEPOINT \"PGWARDEN_trial\"");
                s.execute("SAVEPOINT pgwarden");
                s.execute("SAVEPOINT my_pgwarden_trial");
                s.execute("RELEASE SAVEPOINT my_pgwarden_trial");
                s.execute("ROLLBACK TO SAVEPOINT \"PGWARDEN_trial\"");
                c.rollback();
            }
        }
    }

    /**
     * The attack the guard is for: in the client's transaction, a write over the limit runs as a
     * trial, and after it, in the same batch, a savepoint of the client's own and a second one of
     * the trial's name, so that rolling back the refused trial stops at the second, and rolling
     * back to the client's own recovers the transaction with the write in it. Refused, and the write
     * never stands (the batch's refusal alone already stops this one; the guard keeps the names out
     * of reach in case a path to them is found).
     */
    @Test
    void aSecondTrialSavepointCannotKeepARefusedWrite() throws SQLException {
        for (boolean simple : new boolean[] {true, false}) {
            try (Connection c = connect(simple);
                    Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("SELECT 1");
                assertThatThrownBy(() -> s.execute(
                                "DELETE FROM reserved_t WHERE id > 0; SAVEPOINT mine; SAVEPOINT pgwarden_trial"))
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("42501"));
                try {
                    s.execute("ROLLBACK TO SAVEPOINT mine");
                    c.commit();
                } catch (SQLException expected) {
                    // No savepoint of the client's was made after the write: nothing to go back to.
                    assertThat(expected.getSQLState()).isIn("3B001", "25P02");
                    c.rollback();
                }
            }
            assertThat(rows()).as(simple ? "simple" : "extended").isEqualTo(10);
        }
    }

    /** Over the protocol too: a Parse of a statement named as pgwarden's counts is refused, whatever it holds. */
    @Test
    void aProtocolParseOfAReservedNameIsRefused() throws Exception {
        try (RawClient c = new RawClient(proxy.port()).authenticate(proxy.token())) {
            String answer = Attempts.exchange(
                    c,
                    1,
                    dev.pgwarden.sidecar.protocol.Frames.parse("pgwarden_count_0", "SELECT 1"),
                    dev.pgwarden.sidecar.protocol.Frames.sync());
            assertThat(answer).contains("E[42501").contains("pgwarden:reserved-names");
            String longer = Attempts.exchange(
                    c,
                    1,
                    dev.pgwarden.sidecar.protocol.Frames.parse("pgwarden_count_" + "x".repeat(70), "SELECT 1"),
                    dev.pgwarden.sidecar.protocol.Frames.sync());
            assertThat(longer).contains("E[42501");
            String other = Attempts.exchange(
                    c,
                    1,
                    dev.pgwarden.sidecar.protocol.Frames.parse("my_pgwarden_count_0", "SELECT 1"),
                    dev.pgwarden.sidecar.protocol.Frames.sync());
            assertThat(other).doesNotContain("E[");
        }
    }
}
