package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.pgwarden.testkit.TestPostgres;
import dev.pgwarden.testkit.TokenForge;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every malformed or hostile input gets a clear ErrorResponse, never reaches the database, and
 * leaves the proxy serving everybody else.
 */
class BadInputTest {
    private static ProxyFixture f;

    @BeforeAll
    static void start() {
        f = new ProxyFixture(
                ProxyFixture.upstream(TestPostgres.SCRAM_USER, TestPostgres.PASSWORD),
                1024 * 1024,
                Duration.ofSeconds(2));
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    /** After each hostile input, an honest client must still get through. */
    @AfterEach
    void proxyStillServes() throws Exception {
        try (Connection c = f.connect();
                ResultSet rs = c.createStatement().executeQuery("select 7")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(7);
        }
    }

    private static Map<Character, String> expectFatal(RawClient c, String sqlState) throws Exception {
        RawClient.Message m = c.read();
        assertThat(m.type()).as("message type").isEqualTo('E');
        Map<Character, String> fields = m.fields();
        assertThat(fields.get('S')).as("%s", fields).isEqualTo("FATAL");
        assertThat(fields.get('C')).isEqualTo(sqlState);
        assertThat(c.closedByServer()).as("connection closed after the error").isTrue();
        return fields;
    }

    @Test
    void garbageBytes() throws Exception {
        long before = f.upstreamAttempts();
        try (RawClient c = new RawClient(f.port())) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(expectFatal(c, "08P01").get('M')).contains("invalid startup packet length");
        }
        assertThat(f.upstreamAttempts()).isEqualTo(before);
    }

    @Test
    void oversizedStartupPacket() throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.send(ByteBuffer.allocate(8).putInt(1 << 30).putInt(3 << 16).array());
            expectFatal(c, "08P01");
        }
    }

    @Test
    void truncatedStartupThenDisconnect() throws Exception {
        long before = f.upstreamAttempts();
        try (RawClient c = new RawClient(f.port())) {
            byte[] full = RawClient.startupPacket(3 << 16, "user", "agent", "database", "app");
            c.send(java.util.Arrays.copyOf(full, full.length / 2));
        }
        assertThat(f.upstreamAttempts()).isEqualTo(before);
    }

    @Test
    void clientThatNeverAuthenticatesIsTimedOut() throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.startup();
            assertThat(c.read().type()).isEqualTo('R');
            assertThat(expectFatal(c, "08P01").get('M')).contains("authentication did not complete");
        }
    }

    @Test
    void unknownMajorProtocolVersion() throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.send(RawClient.startupPacket(4 << 16, "user", "agent"));
            assertThat(expectFatal(c, "0A000").get('M')).contains("unsupported frontend protocol 4.0");
        }
    }

    @Test
    void newerMinorVersionIsNegotiatedDown() throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.send(RawClient.startupPacket(
                    (3 << 16) | 2, "user", "agent", "database", "app", "_pq_.future_feature", "on"));
            RawClient.Message v = c.read();
            assertThat(v.type()).isEqualTo('v');
            assertThat(v.intAt(0)).as("newest minor version").isEqualTo(3 << 16);
            assertThat(v.intAt(4)).as("unsupported options").isEqualTo(1);
            assertThat(new String(v.body(), 8, v.body().length - 9, StandardCharsets.UTF_8))
                    .isEqualTo("_pq_.future_feature");
            RawClient.Message auth = c.read();
            assertThat(auth.type()).isEqualTo('R');
            c.password(f.token());
            c.readUntil('Z');
            c.query("select 1");
            assertThat(c.readUntil('C').body()).startsWith("SELECT 1".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void sslAndGssRequestsAreDeclinedThenStartupProceeds() throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.send(ByteBuffer.allocate(8).putInt(8).putInt(80877104).array());
            assertThat(c.readByte()).isEqualTo('N');
            c.send(ByteBuffer.allocate(8).putInt(8).putInt(80877103).array());
            assertThat(c.readByte()).isEqualTo('N');
            c.authenticate(f.token());
        }
    }

    @Test
    void dataPipelinedAfterSslRequestIsRefused() throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            byte[] ssl = ByteBuffer.allocate(8).putInt(8).putInt(80877103).array();
            byte[] startup = RawClient.startupPacket(3 << 16, "user", "agent");
            c.send(ByteBuffer.allocate(ssl.length + startup.length)
                    .put(ssl)
                    .put(startup)
                    .array());
            assertThat(expectFatal(c, "08P01").get('M')).contains("unencrypted data after an encryption request");
        }
    }

    @Test
    void somethingElseInsteadOfThePassword() throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.startup();
            c.read();
            c.query("select 1");
            assertThat(expectFatal(c, "08P01").get('M')).contains("expected a password message");
        }
    }

    @Test
    void oversizedPasswordBeforeAuthentication() throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.startup();
            c.read();
            c.send(ByteBuffer.allocate(5).put((byte) 'p').putInt(10_000_000).array());
            assertThat(expectFatal(c, "54000").get('M')).contains("exceeds pgwarden's limit of 65536 bytes");
        }
    }

    @Test
    void oversizedQueryAfterAuthenticationClosesBothSides() throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.authenticate(f.token());
            c.send(ByteBuffer.allocate(5)
                    .put((byte) 'Q')
                    .putInt(2 * 1024 * 1024)
                    .array());
            assertThat(expectFatal(c, "54000").get('M'))
                    .contains("message type 'Q' of 2097153 bytes exceeds pgwarden's limit of 1048576 bytes");
        }
    }

    @Test
    void invalidMessageLength() throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.authenticate(f.token());
            c.send(ByteBuffer.allocate(5).put((byte) 'Q').putInt(2).array());
            assertThat(expectFatal(c, "08P01").get('M')).contains("invalid length 2");
        }
    }

    @Test
    void changingClientEncodingIsRefused() throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.authenticate(f.token());
            c.query("set client_encoding = 'LATIN1'");
            RawClient.Message error = c.read();
            assertThat(error.type()).isEqualTo('E');
            assertThat(error.fields().get('C')).isEqualTo("42501");
            assertThat(error.fields().get('M')).contains("pgwarden:protected-settings");
            assertThat(c.read().type()).isEqualTo('Z');
            c.query("show client_encoding");
            assertThat(c.read().type()).isEqualTo('T');
        }
    }

    /**
     * A proxy whose policy trusts the database's own functions (an Allow rule naming CALL; the
     * fixture's policy refuses calls of created code): the call runs, and the server's
     * ParameterStatus is what the proxy must catch.
     */
    private static ProxyFixture trustingCode() {
        String trusting = ProxyFixture.POLICY.replace(
                "  rules:\n",
                "  rules:\n" + "    - name: our-functions\n      statements: [CALL]\n      action: Allow\n");
        assertThat(trusting).contains("our-functions");
        return new ProxyFixture(trusting, null);
    }

    @Test
    void changingClientEncodingAnotherWayEndsTheSession() throws Exception {
        try (ProxyFixture trusted = trustingCode();
                RawClient c = new RawClient(trusted.port())) {
            c.authenticate(trusted.token());
            // A function hides the change from classification: the server's ParameterStatus is the last line of
            // defence.
            try (Connection admin = f.postgres.superuser(TestPostgres.DATABASE);
                    Statement s = admin.createStatement()) {
                s.execute("create or replace function latin1_please() returns text language sql"
                        + " as $$ select set_config('client_encoding', 'LATIN1', false) $$");
            }
            c.query("select latin1_please()");
            assertThat(expectFatal(c, "0A000").get('M')).contains("client_encoding must stay UTF8");
        }
    }

    @Test
    void turningStandardConformingStringsOffInAFunctionEndsTheSession() throws Exception {
        try (ProxyFixture open = trustingCode();
                RawClient c = new RawClient(open.port())) {
            c.authenticate(open.token());
            try (Connection admin = f.postgres.superuser(TestPostgres.DATABASE);
                    Statement s = admin.createStatement()) {
                s.execute("create or replace function backslashes_please() returns text language sql"
                        + " as $$ select set_config('standard_conforming_strings', 'off', false) $$");
            }
            c.query("select backslashes_please()");
            assertThat(expectFatal(c, "0A000").get('M')).contains("standard_conforming_strings on");
        }
    }

    @Test
    void aFastPathFunctionCallIsRefusedAndRunsNothing() throws Exception {
        long sequenceOid;
        try (Connection admin = f.postgres.superuser(TestPostgres.DATABASE);
                Statement s = admin.createStatement()) {
            s.execute("drop sequence if exists fast_path_seq; create sequence fast_path_seq");
            s.execute("grant all on sequence fast_path_seq to public");
            ResultSet rs = s.executeQuery("select 'fast_path_seq'::regclass::oid");
            rs.next();
            sequenceOid = rs.getLong(1);
        }
        try (RawClient c = new RawClient(f.port())) {
            c.authenticate(f.token());
            // FunctionCall of nextval(regclass) (oid 1574) with the sequence's oid as one binary argument.
            ByteBuffer call = ByteBuffer.allocate(4 + 2 + 2 + 2 + 4 + 4 + 2)
                    .putInt(1574)
                    .putShort((short) 1)
                    .putShort((short) 1)
                    .putShort((short) 1)
                    .putInt(4)
                    .putInt((int) sequenceOid)
                    .putShort((short) 0);
            c.send(RawClient.typed('F', call.array()));
            RawClient.Message error = c.read();
            assertThat(error.type()).isEqualTo('E');
            assertThat(error.fields().get('C')).isEqualTo("42501");
            assertThat(error.fields().get('M'))
                    .isEqualTo("pgwarden: the fast-path function call protocol is not allowed");
            assertThat(c.read().type()).isEqualTo('Z');
            c.query("select 'after the refusal'");
            assertThat(c.read().type()).as("the session goes on").isEqualTo('T');
            c.readUntil('Z');
        }
        try (Connection admin = f.postgres.superuser(TestPostgres.DATABASE);
                ResultSet rs = admin.createStatement().executeQuery("select is_called from fast_path_seq")) {
            rs.next();
            assertThat(rs.getBoolean(1)).as("nextval never ran").isFalse();
        }
        assertThat(f.statements("-- function call, oid 1574")).singleElement().satisfies(e -> {
            assertThat(e.path("outcome").asText()).isEqualTo("refused");
            assertThat(e.path("rule").asText()).isEqualTo("pgwarden:function-call");
        });
    }

    @Test
    void malformedBindAfterAuthentication() throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.authenticate(f.token());
            // Portal and statement names, then a parameter count of 3 with no parameters behind it.
            c.send(RawClient.typed('B', new byte[] {0, 0, 0, 0, 0, 3}));
            assertThat(expectFatal(c, "08P01").get('M')).contains("malformed message type 'B'");
        }
    }

    @Test
    void startupParametersThatWouldChangeIdentityAreRefused() throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.startup("options", "-c role=postgres");
            assertThat(expectFatal(c, "42501").get('M')).contains("'options' is not allowed");
        }
        try (RawClient c = new RawClient(f.port())) {
            c.startup("role", "postgres");
            assertThat(expectFatal(c, "42501").get('M')).contains("'role' is not allowed");
        }
        try (RawClient c = new RawClient(f.port())) {
            c.startup("replication", "database");
            assertThat(expectFatal(c, "0A000").get('M')).contains("replication connections are not allowed");
        }
        try (RawClient c = new RawClient(f.port())) {
            c.startup("client_encoding", "LATIN1");
            assertThat(expectFatal(c, "0A000").get('M')).contains("client_encoding LATIN1 is not supported");
        }
    }

    @Test
    void wrongDatabase() throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.send(RawClient.startupPacket(3 << 16, "user", "agent", "database", "postgres"));
            assertThat(expectFatal(c, "3D000").get('M')).contains("this pgwarden serves database \"app\"");
        }
    }

    // ------------------------------------------------------------------ tokens

    private JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(f.issuer.issuer())
                .subject("local:mallory")
                .audience("pgwarden")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))));
    }

    private void refused(String token, String sqlState, String... messageParts) throws Exception {
        long before = f.upstreamAttempts();
        try (RawClient c = new RawClient(f.port())) {
            c.startup();
            assertThat(c.read().type()).isEqualTo('R');
            c.password(token);
            Map<Character, String> fields = expectFatal(c, sqlState);
            assertThat(fields.get('M')).contains(messageParts);
            if (token.length() > 20) {
                assertThat(fields.get('M')).doesNotContain(token).doesNotContain(token.substring(token.length() - 20));
            }
        }
        assertThat(f.upstreamAttempts())
                .as("no upstream connection for a refused token")
                .isEqualTo(before);
        assertThat(f.auditText()).doesNotContain(token.length() > 20 ? token : "\u0000");
    }

    @Test
    void expiredToken() throws Exception {
        Instant past = Instant.now().minus(Duration.ofHours(1));
        refused(
                f.issuer.sign(claims().expirationTime(Date.from(past)).build()),
                "28P01",
                "the token expired at",
                "get a fresh token");
    }

    @Test
    void tokenNotYetValid() throws Exception {
        Instant future = Instant.now().plus(Duration.ofHours(1));
        refused(f.issuer.sign(claims().notBeforeTime(Date.from(future)).build()), "28P01", "not valid before");
    }

    @Test
    void tokenWithoutExpiry() throws Exception {
        refused(f.issuer.sign(claims().expirationTime(null).build()), "28P01", "no expiry");
    }

    @Test
    void wrongAudience() throws Exception {
        refused(
                f.issuer.sign(claims().audience("some-other-service").build()),
                "28000",
                "audience [some-other-service] does not include 'pgwarden'");
    }

    @Test
    void unsignedToken() throws Exception {
        refused(TokenForge.unsigned(claims().build()), "28P01", "unsigned tokens (alg none) are not accepted");
    }

    @Test
    void hmacSignedToken() throws Exception {
        refused(TokenForge.hmacSigned(claims().build()), "28P01", "tokens signed with HS256 are not accepted");
    }

    @Test
    void tokenSignedByAStrangerWithTheIssuersKeyId() throws Exception {
        refused(
                TokenForge.signedWithStrangerKey(
                        claims().build(), f.issuer.key().getKeyID()),
                "28P01",
                "signature does not verify against the keys of issuer");
    }

    @Test
    void tokenSignedWithAnUnknownKeyId() throws Exception {
        refused(
                TokenForge.signedWithStrangerKey(claims().build(), "not-a-published-key"),
                "28P01",
                "no key of issuer",
                "matches the token's key id not-a-published-key");
    }

    @Test
    void unknownIssuer() throws Exception {
        refused(
                f.issuer.sign(claims().issuer("https://evil.example.com").build()),
                "28000",
                "token issuer https://evil.example.com is not accepted by this policy",
                f.issuer.issuer());
    }

    @Test
    void passwordThatIsNotAJwt() throws Exception {
        refused("hunter2-but-longer-than-twenty-characters", "28P01", "the password is not a valid JWT");
    }

    @Test
    void emptyPassword() throws Exception {
        refused("", "28P01", "no token");
    }

    @Test
    void refusalsAreCountedByReason() throws Exception {
        refused(TokenForge.unsigned(claims().build()), "28P01", "unsigned");
        assertThat(f.metrics.scrape()).contains("pgwarden_auth_failures_total{reason=\"unsigned\"}");
        assertThat(f.auditEvents())
                .anyMatch(e -> "auth_failure".equals(e.path("event").asText())
                        && "unsigned".equals(e.path("reason").asText()));
    }

    @Test
    void manyBadClientsAtOnceDoNotDisturbAGoodOne() throws Exception {
        List<RawClient> bad = new java.util.ArrayList<>();
        try (Connection good = f.connect()) {
            for (int i = 0; i < 50; i++) {
                RawClient c = new RawClient(f.port());
                c.send(new byte[] {0, 0, 0, 9, 1, 2, 3, 4});
                bad.add(c);
            }
            ResultSet rs = good.createStatement().executeQuery("select count(*) from generate_series(1, 1000)");
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1000);
        } finally {
            for (RawClient c : bad) {
                c.close();
            }
        }
    }
}
