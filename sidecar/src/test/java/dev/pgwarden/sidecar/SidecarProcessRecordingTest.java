package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.sidecar.audit.AuditChain;
import dev.pgwarden.sidecar.identity.LocalIssuer;
import dev.pgwarden.sidecar.recording.S3Store;
import dev.pgwarden.testkit.TestPostgres;
import dev.pgwarden.testkit.TestS3;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar as a real process: killed without warning, its next start uploads what the spool
 * holds and records how the session ended; stopped with SIGTERM, it flushes its recordings first.
 */
class SidecarProcessRecordingTest {
    private static final String BUCKET = "crash-sessions";
    private static final String PREFIX = "pods/";
    private static TestS3 s3;
    private static LocalIssuer issuer;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        s3 = TestS3.start(BUCKET);
        issuer = LocalIssuer.start(null, 0);
    }

    @AfterAll
    static void stop() throws Exception {
        issuer.close();
        s3.close();
    }

    /** A running sidecar process and what it printed. */
    private record Sidecar(Process process, int port, List<String> stdout, List<String> stderr) {
        Connection connect() throws Exception {
            Properties p = new Properties();
            p.setProperty("user", "agent");
            p.setProperty("password", issuer.mint("crash-tester", Duration.ofMinutes(5)));
            p.setProperty("sslmode", "disable");
            return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + TestPostgres.DATABASE, p);
        }

        void awaitStdout(String text) throws InterruptedException {
            RecordingTest.awaitTrue(
                    () -> stdout.stream().anyMatch(l -> l.contains(text)), "the sidecar printed " + text);
        }
    }

    private Sidecar startSidecar(Path spool, Path key) throws Exception {
        Path policy = dir.resolve("policy.yaml");
        Files.writeString(policy, """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: crash-test}
        spec:
          subjects: [{issuer: "%s", audience: pgwarden}]
          access: {mode: ReadWrite}
          recording:
            s3: {bucket: %s, prefix: %s, endpoint: "%s", region: us-east-1}
        """.formatted(issuer.issuer(), BUCKET, PREFIX, s3.endpoint()));
        TestPostgres pg = TestPostgres.shared();
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                SidecarMain.class.getName(),
                "--policy",
                policy.toString(),
                "--upstream",
                "postgresql://" + TestPostgres.SCRAM_USER + "@" + pg.host() + ":" + pg.port() + "/"
                        + TestPostgres.DATABASE + "?sslmode=disable",
                "--listen",
                "127.0.0.1:0",
                "--admin-listen",
                "127.0.0.1:0",
                "--approvals",
                "none",
                "--audit-key-file",
                key.toString(),
                "--spool-dir",
                spool.toString(),
                "--flush-timeout",
                "15s");
        builder.environment().put("PGWARDEN_UPSTREAM_PASSWORD", TestPostgres.PASSWORD);
        builder.environment().put("AWS_ACCESS_KEY_ID", TestS3.ACCESS_KEY);
        builder.environment().put("AWS_SECRET_ACCESS_KEY", TestS3.SECRET_KEY);
        Process process = builder.start();
        List<String> stdout = new CopyOnWriteArrayList<>();
        List<String> stderr = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        pump(process.getInputStream(), stdout, null);
        pump(process.getErrorStream(), stderr, line -> {
            if (line.contains("ready in") && line.contains("listening on")) {
                String address =
                        line.substring(line.indexOf("listening on ") + 13).split(",")[0];
                port.complete(Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)));
            }
        });
        try {
            return new Sidecar(process, port.get(60, TimeUnit.SECONDS), stdout, stderr);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new AssertionError("the sidecar did not start: " + String.join("\n", stderr), e);
        }
    }

    private static void pump(java.io.InputStream in, List<String> lines, java.util.function.Consumer<String> each) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                    if (each != null) {
                        each.accept(line);
                    }
                }
            } catch (IOException e) {
                // The process ended.
            }
        });
        t.setDaemon(true);
        t.start();
    }

    /** Whether an open part in the spool holds {@code text}, as far as it has been flushed. */
    private static boolean spoolHolds(Path spool, String text) {
        try (Stream<Path> files = Files.walk(spool)) {
            for (Path part : files.filter(f -> f.toString().endsWith(".open")).toList()) {
                java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
                try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(part))) {
                    in.transferTo(read);
                } catch (java.io.EOFException e) {
                    // An open part ends where its last flush did.
                }
                if (read.toString(StandardCharsets.UTF_8).contains(text)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static S3Store store() {
        return new S3Store(BUCKET, s3.endpoint(), "us-east-1", TestS3.ACCESS_KEY, TestS3.SECRET_KEY);
    }

    private static Path key(Path dir) throws IOException {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Files.write(dir.resolve("audit.key"), key);
    }

    private static String session(Sidecar sidecar, String marker) {
        return sidecar.stdout().stream()
                .filter(l -> l.contains(marker))
                .findFirst()
                .map(l -> RecordedSessions.parse(l).path("session").asText())
                .orElseThrow();
    }

    @Test
    void aKilledSidecarsLeftoversAreUploadedAtTheNextStart() throws Exception {
        Path spool = dir.resolve("spool");
        Path key = key(dir);
        Sidecar first = startSidecar(spool, key);
        String session;
        try (Connection c = first.connect();
                Statement s = c.createStatement()) {
            for (int i = 0; i < 5; i++) {
                s.execute("SELECT " + i + " AS before_the_kill_" + i);
            }
            first.awaitStdout("before_the_kill_4");
            session = session(first, "before_the_kill_0");
            // Killed only once the spool holds the last statement (parts are flushed every 100 ms).
            RecordingTest.awaitTrue(() -> spoolHolds(spool, "before_the_kill_4"), "the spool holds the last statement");
            first.process().destroyForcibly();
            assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        List<Path> open;
        try (Stream<Path> files = Files.walk(spool)) {
            open = files.filter(f -> f.toString().endsWith(".open")).toList();
        }
        assertThat(open)
                .as("the killed sidecar left its part open in the spool")
                .isNotEmpty();

        Sidecar second = startSidecar(spool, key);
        try {
            RecordedSessions.Recorded recorded =
                    RecordedSessions.awaitEnded(store(), PREFIX, session, Duration.ofSeconds(30));
            recorded.assertIntact(AuditChain.of(Files.readAllBytes(key)));
            List<JsonNode> events = recorded.events();
            for (int i = 0; i < 5; i++) {
                String marker = "before_the_kill_" + i;
                assertThat(events)
                        .as(marker)
                        .anySatisfy(
                                e -> assertThat(e.path("statement").asText()).contains(marker));
            }
            JsonNode end = events.get(events.size() - 1);
            assertThat(end.path("reason").asText()).contains("stopped without closing the session");
            RecordingTest.awaitTrue(
                    () -> {
                        try (Stream<Path> files = Files.walk(spool)) {
                            return files.noneMatch(Files::isRegularFile);
                        } catch (IOException e) {
                            return false;
                        }
                    },
                    "the spool is empty");
        } catch (AssertionError e) {
            throw new AssertionError(
                    e.getMessage() + "\nsidecar after restart said:\n" + String.join("\n", second.stderr()), e);
        } finally {
            second.process().destroyForcibly();
            second.process().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void sigtermFlushesOpenSessionsToTheStore() throws Exception {
        Path spool = dir.resolve("spool");
        Path key = key(dir);
        Sidecar sidecar = startSidecar(spool, key);
        List<String> sessions = new ArrayList<>();
        try (Connection c = sidecar.connect();
                Statement s = c.createStatement();
                RawClient open = new RawClient(sidecar.port())) {
            s.execute("SELECT 'open during shutdown' AS sigterm_marker");
            sidecar.awaitStdout("sigterm_marker");
            sessions.add(session(sidecar, "sigterm_marker"));
            open.authenticate(issuer.mint("idle-tester", Duration.ofMinutes(5)));
            long stopping = System.nanoTime();
            sidecar.process().destroy(); // SIGTERM, the connections still open
            assertThat(sidecar.process().waitFor(30, TimeUnit.SECONDS))
                    .as("the sidecar exits")
                    .isTrue();
            System.out.printf(
                    "sidecar stopped with an open session in %d ms%n",
                    Duration.ofNanos(System.nanoTime() - stopping).toMillis());
            RawClient.Message goodbye;
            try {
                goodbye = open.read();
            } catch (java.io.IOException e) {
                StringBuilder ends = new StringBuilder();
                RecordedSessions.read(store(), PREFIX)
                        .forEach((id, r) -> ends.append(id)
                                .append(": ")
                                .append(r.events().get(r.events().size() - 1))
                                .append('\n'));
                throw new AssertionError("no goodbye; recorded:\n" + ends, e);
            }
            assertThat(goodbye.type())
                    .as("an idle client is told why its session ends")
                    .isEqualTo('E');
            assertThat(goodbye.fields().get('S')).isEqualTo("FATAL");
            assertThat(goodbye.fields().get('C')).isEqualTo("57P01");
            assertThat(goodbye.fields().get('M')).contains("pgwarden is shutting down");
            assertThatThrownBy(() -> s.executeQuery("SELECT 1"))
                    .isInstanceOfSatisfying(
                            java.sql.SQLException.class,
                            e -> assertThat(e.getSQLState()).isIn("57P01", "08006"));
        }
        // Everything is in the store the moment the process has exited: no next start needed.
        RecordedSessions.Recorded recorded =
                RecordedSessions.read(store(), PREFIX).get(sessions.get(0));
        assertThat(recorded).isNotNull();
        assertThat(recorded.ended()).isTrue();
        assertThat(recorded.events()
                        .get(recorded.lines().size() - 1)
                        .path("reason")
                        .asText())
                .isEqualTo("pgwarden shut down");
        recorded.assertIntact(AuditChain.of(Files.readAllBytes(key)));
        try (Stream<Path> files = Files.walk(spool)) {
            assertThat(files.filter(Files::isRegularFile).toList()).isEmpty();
        }
    }
}
