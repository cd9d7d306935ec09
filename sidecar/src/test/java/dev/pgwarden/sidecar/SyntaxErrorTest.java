package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A statement PostgreSQL rejects as a syntax error gets PostgreSQL's own 42601, not a refusal or an
 * approval request; one PostgreSQL accepts but pgwarden cannot read still goes to onUnparseable.
 * The check runs nothing and leaves the client's transaction as a syntax error would.
 */
class SyntaxErrorTest {
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() {
        proxy = new ProxyFixture();
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    private static Connection connect(ClientMode mode) throws SQLException {
        Properties p = new Properties();
        p.putAll(
                switch (mode) {
                    case SIMPLE -> java.util.Map.of("preferQueryMode", "simple");
                    case EXTENDED_TEXT -> java.util.Map.of("prepareThreshold", "5");
                    case EXTENDED_BINARY -> java.util.Map.of("prepareThreshold", "-1", "binaryTransfer", "true");
                });
        return proxy.connect(p);
    }

    @ParameterizedTest
    @EnumSource(ClientMode.class)
    void aSyntaxErrorIsPostgresqlsOwn(ClientMode mode) throws Exception {
        try (Connection c = connect(mode);
                Statement s = c.createStatement()) {
            SQLException e = catchThrowableOfType(SQLException.class, () -> s.execute("SELEC 1"));
            assertThat(e.getSQLState()).isEqualTo("42601");
            assertThat(e.getMessage()).contains("syntax error at or near \"SELEC\"");
            try (ResultSet rs = s.executeQuery("SELECT 2")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(2);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ClientMode.class)
    void inATransactionTheSyntaxErrorAbortsItAsPostgresqlWould(ClientMode mode) throws Exception {
        try (Connection c = connect(mode);
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SELECT 1");
            SQLException e = catchThrowableOfType(SQLException.class, () -> s.execute("SELECT 1 FROM WHERE"));
            assertThat(e.getSQLState()).isEqualTo("42601");
            SQLException aborted = catchThrowableOfType(SQLException.class, () -> s.execute("SELECT 3"));
            assertThat(aborted.getSQLState()).isEqualTo("25P02");
            c.rollback();
            try (ResultSet rs = s.executeQuery("SELECT 4")) {
                assertThat(rs.next()).isTrue();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ClientMode.class)
    void whatPostgresqlAcceptsButPgwardenCannotReadGoesToOnUnparseable(ClientMode mode) throws Exception {
        try (Connection c = connect(mode);
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SELECT 1");
            // Valid PostgreSQL: a DO body written with a Unicode escape pgwarden does not decode.
            SQLException e = catchThrowableOfType(
                    SQLException.class, () -> s.execute("DO E'BEGIN PERFORM pg\\\\u005fsleep(0); END'"));
            assertThat(e.getSQLState()).isEqualTo("42501");
            assertThat(e.getMessage()).contains("onUnparseable");
            c.rollback();
            // The check's savepoint left nothing behind: the transaction goes on as before.
            s.execute("SELECT 5");
            c.commit();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = ClientMode.class,
            names = {"EXTENDED_TEXT", "EXTENDED_BINARY"})
    void aPreparedStatementWithASyntaxErrorFailsAtParseWithTheServersError(ClientMode mode) throws Exception {
        try (Connection c = connect(mode)) {
            SQLException e = catchThrowableOfType(SQLException.class, () -> {
                try (PreparedStatement ps = c.prepareStatement("SELEC ?")) {
                    ps.setInt(1, 1);
                    ps.executeQuery();
                }
            });
            assertThat(e.getSQLState()).isEqualTo("42601");
        }
    }
}
