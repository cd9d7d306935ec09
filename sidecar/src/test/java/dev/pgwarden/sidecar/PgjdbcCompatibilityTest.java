package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.copy.CopyManager;

/** A real driver through the proxy behaves exactly as against PostgreSQL directly. */
class PgjdbcCompatibilityTest {
    private static ProxyFixture f;

    @BeforeAll
    static void start() throws SQLException {
        f = new ProxyFixture();
        try (Connection c = f.postgres.direct();
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS compat_items");
            s.execute(
                    "CREATE TABLE compat_items (id int PRIMARY KEY, name text, payload bytea, at timestamptz, u uuid)");
        }
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void simpleProtocolWithSeveralStatementsInOneQuery() throws Exception {
        try (Connection c = f.connect(props("preferQueryMode", "simple"));
                Statement s = c.createStatement()) {
            assertThat(s.execute("select 1 as a; select 'x;y' as b; select $$;$$ as c"))
                    .isTrue();
            ResultSet rs = s.getResultSet();
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
            assertThat(s.getMoreResults()).isTrue();
            rs = s.getResultSet();
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("x;y");
            assertThat(s.getMoreResults()).isTrue();
            rs = s.getResultSet();
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(";");
        }
        assertThat(f.statements("select 'x;y' as b")).hasSize(1);
        assertThat(f.statements("select $$;$$ as c"))
                .singleElement()
                .satisfies(e -> assertThat(e.path("protocol").asText()).isEqualTo("simple"));
    }

    @Test
    void serverSidePreparedStatementsWithParameters() throws Exception {
        try (Connection c = f.connect(props("prepareThreshold", "1"));
                PreparedStatement ps = c.prepareStatement("select ?::int * 2 as doubled, ?::text as label")) {
            for (int i = 0; i < 5; i++) {
                ps.setInt(1, i);
                ps.setString(2, "run-" + i);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(i * 2);
                    assertThat(rs.getString(2)).isEqualTo("run-" + i);
                }
            }
            try (ResultSet rs = c.createStatement()
                    .executeQuery("select count(*) from pg_prepared_statements where not from_sql")) {
                rs.next();
                assertThat(rs.getInt(1))
                        .as("a named server-side statement exists")
                        .isGreaterThanOrEqualTo(1);
            }
        }
        List<JsonNode> runs = f.statements("select $1::int * 2 as doubled");
        assertThat(runs).hasSize(5);
        assertThat(runs.get(4).path("parameters").toString()).isEqualTo("[\"4\",\"run-4\"]");
        assertThat(runs).allSatisfy(e -> {
            assertThat(e.path("protocol").asText()).isEqualTo("extended");
            assertThat(e.path("outcome").asText()).isEqualTo("ok");
            assertThat(e.path("rows").asLong()).isEqualTo(1);
        });
    }

    @Test
    void batchesArePipelinedAndEachStatementAudited() throws Exception {
        try (Connection c = f.connect();
                PreparedStatement ps = c.prepareStatement("insert into compat_items(id, name) values (?, ?)")) {
            for (int i = 1000; i < 1100; i++) {
                ps.setInt(1, i);
                ps.setString(2, "batch-" + i);
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            assertThat(counts).hasSize(100).containsOnly(1);
        }
        assertThat(f.statements("insert into compat_items(id, name) values ($1, $2)"))
                .filteredOn(e -> e.path("outcome").asText().equals("ok"))
                .hasSize(100);
    }

    @Test
    void aFailingStatementInABatchSkipsTheRest() throws Exception {
        try (Connection c = f.connect();
                Statement s = c.createStatement()) {
            s.addBatch("insert into compat_items(id, name) values (2000, 'first')");
            s.addBatch("insert into compat_items(id, name) values (2000, 'duplicate')");
            s.addBatch("insert into compat_items(id, name) values (2001, 'never')");
            assertThatThrownBy(s::executeBatch).isInstanceOf(BatchUpdateException.class);
        }
        assertThat(f.statements("'duplicate'")).singleElement().satisfies(e -> {
            assertThat(e.path("outcome").asText()).isEqualTo("error");
            assertThat(e.path("sqlstate").asText()).isEqualTo("23505");
        });
        assertThat(f.statements("'never'"))
                .singleElement()
                .satisfies(e -> assertThat(e.path("outcome").asText()).isEqualTo("skipped"));
    }

    @Test
    void binaryTransferRoundTripsLikeDirect() throws Exception {
        byte[] payload = new byte[70_000];
        new java.util.Random(7).nextBytes(payload);
        UUID u = UUID.randomUUID();
        Timestamp at = Timestamp.valueOf("2026-11-23 10:15:30.123456");
        Properties binary = props("binaryTransfer", "true", "prepareThreshold", "-1");
        try (Connection c = f.connect(binary);
                PreparedStatement ins =
                        c.prepareStatement("insert into compat_items(id, name, payload, at, u) values (?,?,?,?,?)")) {
            ins.setInt(1, 3000);
            ins.setString(2, "binary ünïcödé");
            ins.setBytes(3, payload);
            ins.setTimestamp(4, at);
            ins.setObject(5, u);
            ins.executeUpdate();
            try (PreparedStatement q =
                    c.prepareStatement("select id, name, payload, at, u from compat_items where id = ?")) {
                q.setInt(1, 3000);
                ResultSet rs = q.executeQuery();
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(3000);
                assertThat(rs.getString(2)).isEqualTo("binary ünïcödé");
                assertThat(rs.getBytes(3)).isEqualTo(payload);
                assertThat(rs.getTimestamp(4)).isEqualTo(at);
                assertThat(rs.getObject(5)).isEqualTo(u);
            }
        }
        assertThat(f.statements("insert into compat_items(id, name, payload, at, u)"))
                .singleElement()
                .satisfies(e -> assertThat(e.path("parameters").get(2).asText())
                        .startsWith("\\x")
                        .contains("(70000 bytes)"));
    }

    @Test
    void copyInAndOut() throws Exception {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            data.append(10_000 + i).append('\t').append("copied-").append(i).append('\n');
        }
        try (Connection c = f.connect()) {
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            long in = copy.copyIn(
                    "COPY compat_items(id, name) FROM STDIN",
                    new ByteArrayInputStream(data.toString().getBytes(StandardCharsets.UTF_8)));
            assertThat(in).isEqualTo(10_000);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long copied = copy.copyOut(
                    "COPY (select id, name from compat_items where id >= 10000 order by id) TO STDOUT", out);
            assertThat(copied).isEqualTo(10_000);
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(data.toString());
        }
        assertThat(f.statements("COPY compat_items(id, name) FROM STDIN"))
                .singleElement()
                .satisfies(e -> assertThat(e.path("rows").asLong()).isEqualTo(10_000));
    }

    @Test
    void cancelStopsALongStatement() throws Exception {
        try (Connection c = f.connect();
                Statement s = c.createStatement()) {
            CompletableFuture<Void> cancel = CompletableFuture.runAsync(() -> {
                try {
                    dev.pgwarden.testkit.ServerActivity.awaitRunning("pg_sleep(30)");
                    s.cancel();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThatThrownBy(() -> s.execute("select pg_sleep(30)"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"));
            cancel.get(30, TimeUnit.SECONDS);
            try (ResultSet rs = s.executeQuery("select 'still usable'")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("still usable");
            }
        }
        assertThat(f.statements("pg_sleep(30)"))
                .singleElement()
                .satisfies(e -> assertThat(e.path("sqlstate").asText()).isEqualTo("57014"));
    }

    @Test
    void transactionsCommitAndRollBack() throws Exception {
        try (Connection c = f.connect();
                Connection observer = f.postgres.direct()) {
            c.setAutoCommit(false);
            Statement s = c.createStatement();
            s.executeUpdate("insert into compat_items(id, name) values (4000, 'rolled back')");
            c.rollback();
            s.executeUpdate("insert into compat_items(id, name) values (4001, 'kept')");
            Savepoint sp = c.setSavepoint();
            s.executeUpdate("insert into compat_items(id, name) values (4002, 'undone')");
            c.rollback(sp);
            c.commit();
            ResultSet rs = observer.createStatement()
                    .executeQuery("select id from compat_items where id between 4000 and 4002");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(4001);
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void noticesAndNotificationsReachTheClient() throws Exception {
        try (Connection listener = f.connect();
                Connection notifier = f.connect()) {
            Statement s = listener.createStatement();
            s.execute("do $$ begin raise notice 'hello from the server'; end $$");
            SQLWarning w = s.getWarnings();
            assertThat((Object) w).isNotNull();
            assertThat(w.getMessage()).contains("hello from the server");
            s.execute("listen pgwarden_events");
            notifier.createStatement().execute("notify pgwarden_events, 'payload-42'");
            PGNotification[] got = null;
            for (int i = 0; i < 50 && (got == null || got.length == 0); i++) {
                got = listener.unwrap(PGConnection.class).getNotifications(100);
            }
            assertThat(got).isNotEmpty();
            assertThat(got[0].getName()).isEqualTo("pgwarden_events");
            assertThat(got[0].getParameter()).isEqualTo("payload-42");
        }
    }

    @Test
    void errorsKeepTheSessionUsable() throws Exception {
        try (Connection c = f.connect();
                Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("select 1/0"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22012"));
            assertThatThrownBy(() -> s.execute("selec broken")).isInstanceOfSatisfying(SQLException.class, e -> {
                // PostgreSQL's own answer: pgwarden lets a Parse it cannot read through (it runs nothing)
                assertThat(e.getSQLState()).isEqualTo("42601");
                assertThat(e.getMessage()).contains("syntax error");
            });
            assertThatThrownBy(() -> s.execute("drop table if exists nothing_here"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("42501");
                        assertThat(e.getMessage()).contains("destructive-ddl");
                    });
            ResultSet rs = s.executeQuery("select 'fine'");
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("fine");
        }
        // One event: the server's syntax error, audited once (the Execute it skipped is the same statement).
        assertThat(f.statements("selec broken")).singleElement().satisfies(e -> {
            assertThat(e.path("outcome").asText()).isEqualTo("error");
            assertThat(e.path("sqlstate").asText()).isEqualTo("42601");
        });
        assertThat(f.statements("drop table if exists nothing_here"))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.path("outcome").asText()).isEqualTo("refused");
                    assertThat(e.path("kind").asText()).isEqualTo("DROP");
                    assertThat(e.path("decision").asText()).isEqualTo("Deny");
                    assertThat(e.path("rule").asText()).isEqualTo("destructive-ddl");
                });
    }

    @Test
    void cursorsFetchInChunks() throws Exception {
        try (Connection c = f.connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(1000);
                ResultSet rs = s.executeQuery("select g from generate_series(1, 10500) g");
                long sum = 0;
                int n = 0;
                while (rs.next()) {
                    sum += rs.getInt(1);
                    n++;
                }
                assertThat(n).isEqualTo(10_500);
                assertThat(sum).isEqualTo(10_500L * 10_501 / 2);
            }
            c.commit();
        }
        List<JsonNode> chunks = f.statements("generate_series(1, 10500)");
        assertThat(chunks).hasSize(11);
        assertThat(chunks.subList(0, 10))
                .allSatisfy(e -> assertThat(e.path("outcome").asText()).isEqualTo("suspended"));
        assertThat(chunks.get(10).path("tag").asText()).isEqualTo("SELECT 500");
    }

    @Test
    void sessionStartAndEndAreAudited() throws Exception {
        String sessionId;
        try (Connection c = f.connect(props("assumeMinServerVersion", "17", "ApplicationName", "compat-test"))) {
            ResultSet rs =
                    c.createStatement().executeQuery("select pg_backend_pid(), current_setting('application_name')");
            rs.next();
            int pid = rs.getInt(1);
            sessionId = rs.getString(2).substring("pgwarden:".length(), "pgwarden:".length() + 12);
            JsonNode start =
                    f.awaitEvent(e -> "session_start".equals(e.path("event").asText())
                            && sessionId.equals(e.path("session").asText()));
            assertThat(start.path("upstreamPid").asInt()).isEqualTo(pid);
            assertThat(start.path("subject").asText()).isEqualTo("local:tester");
            assertThat(start.path("issuer").asText()).isEqualTo(f.issuer.issuer());
            assertThat(start.path("applicationName").asText()).isEqualTo("compat-test");
            assertThat(start.path("upstreamRole").asText()).isEqualTo("agent_scram");
        }
        JsonNode end = f.awaitEvent(e -> "session_end".equals(e.path("event").asText())
                && sessionId.equals(e.path("session").asText()));
        assertThat(end.path("reason").asText()).isEqualTo("client terminated");
        assertThat(end.path("statements").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(end.path("bytesToClient").asLong()).isPositive();
    }
}
