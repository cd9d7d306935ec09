package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.testkit.ServerActivity;
import dev.pgwarden.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The cancel keys a client is given through the proxy: not the backend's, good only for the
 * session they were given to; and the process id in a NotificationResponse is the one the client
 * was given, so a client that skips its own notifications by process id keeps working.
 */
@Timeout(60)
class CancelKeyTest {
    private static ProxyFixture f;

    @BeforeAll
    static void start() {
        f = new ProxyFixture();
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    private static RawClient client() throws Exception {
        return new RawClient(f.port()).authenticate(f.token());
    }

    /** Sends a CancelRequest and waits until the proxy has read it (it closes the connection, as PostgreSQL does). */
    private static void cancel(int processId, int secret) throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.send(RawClient.cancelRequest(processId, secret));
            assertThat(c.closedByServer())
                    .as("the proxy closes a cancel connection")
                    .isTrue();
        }
    }

    @Test
    void theKeyAClientIsGivenIsNotTheBackends() throws Exception {
        try (RawClient c = client()) {
            int backend = Integer.parseInt(c.queryValue("select pg_backend_pid()"));
            assertThat(c.keyProcessId()).isNotEqualTo(backend);
        }
        try (Connection c = f.connect();
                ResultSet rs = c.createStatement().executeQuery("select pg_backend_pid()")) {
            rs.next();
            assertThat(c.unwrap(PGConnection.class).getBackendPID()).isNotEqualTo(rs.getInt(1));
        }
    }

    @Test
    void aWrongKeyOrAnotherSessionsKeyCancelsNothing() throws Exception {
        try (Connection holder = TestPostgres.shared().superuser(TestPostgres.DATABASE);
                RawClient a = client();
                RawClient b = client()) {
            int backendA = Integer.parseInt(a.queryValue("select pg_backend_pid()"));
            holder.createStatement().execute("select pg_advisory_lock(4242)");
            a.query("select pg_advisory_lock_shared(4242) as cancel_target_a");
            b.query("select pg_advisory_lock_shared(4242) as cancel_target_b");
            ServerActivity.awaitBlocked("pg_advisory_lock_shared(4242)", 2);

            cancel(a.keyProcessId(), a.keySecret() + 1); // A's process id, wrong secret
            cancel(a.keyProcessId() ^ 0x5a5a, a.keySecret()); // A's secret, wrong process id
            cancel(backendA, a.keySecret()); // the backend's own process id
            cancel(b.keyProcessId(), b.keySecret()); // B's key: cancels B, and only B

            RawClient.Message error = b.readUntilError();
            assertThat(error.fields().get('C')).isEqualTo("57014");
            assertThat(b.read().type()).isEqualTo('Z');
            assertThat(ServerActivity.waitEventType(backendA))
                    .as("A still waits for the lock")
                    .isEqualTo("Lock");

            holder.createStatement().execute("select pg_advisory_unlock(4242)");
            a.readUntil('Z'); // fails on an ErrorResponse: A's statement was never cancelled
        }
        assertThat(f.statements("cancel_target_a"))
                .singleElement()
                .satisfies(e -> assertThat(e.path("outcome").asText()).isEqualTo("ok"));
        assertThat(f.statements("cancel_target_b"))
                .singleElement()
                .satisfies(e -> assertThat(e.path("sqlstate").asText()).isEqualTo("57014"));
    }

    @Test
    void aNotificationNamesTheProcessIdTheClientWasGiven() throws Exception {
        try (RawClient a = client();
                RawClient b = client()) {
            int backendB = Integer.parseInt(b.queryValue("select pg_backend_pid()"));
            a.query("listen key_check; notify key_check, 'from myself'");
            RawClient.Message own = a.readUntil('A');
            a.readUntil('Z');
            assertThat(own.intAt(0))
                    .as("a client's own notification carries its own key's process id")
                    .isEqualTo(a.keyProcessId());
            b.query("notify key_check, 'from another'");
            b.readUntil('Z');
            RawClient.Message other = a.readUntil('A');
            assertThat(new String(other.body(), java.nio.charset.StandardCharsets.UTF_8))
                    .contains("from another");
            assertThat(other.intAt(0)).isNotEqualTo(a.keyProcessId()).isEqualTo(backendB);
        }
    }

    @Test
    void pgjdbcSeesItsOwnNotificationsAsItsOwn() throws Exception {
        try (Connection c = f.connect();
                Statement s = c.createStatement()) {
            s.execute("listen own_channel");
            s.execute("notify own_channel, 'mine'");
            PGConnection pg = c.unwrap(PGConnection.class);
            PGNotification[] got = pg.getNotifications(10_000);
            assertThat(got).singleElement().satisfies(n -> {
                assertThat(n.getParameter()).isEqualTo("mine");
                assertThat(n.getPID()).isEqualTo(pg.getBackendPID());
            });
        }
    }
}
