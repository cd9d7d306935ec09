package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.sidecar.identity.LocalIssuer;
import dev.pgwarden.sidecar.policy.live.PolicyDirectory;
import dev.pgwarden.testkit.TestPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The sidecar process started the way the webhook starts it: {@code --policy-dir} on a Secret volume. */
class SidecarPolicyDirProcessTest {
    @TempDir
    Path tmp;

    private static String policy(String issuer, String rules) {
        TestPostgres pg = TestPostgres.shared();
        return """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: process-reload, namespace: agents}
        spec:
          database: {host: %s, port: %d, name: %s, sslMode: disable}
          subjects: [{issuer: "%s", audience: pgwarden}]
          access: {mode: ReadWrite}
        %s""".formatted(pg.host(), pg.port(), TestPostgres.DATABASE, issuer, rules);
    }

    /** The JVM and main class; {@link ShadedSidecarJarIT} runs the image's jar instead. */
    protected List<String> launcher() {
        return List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                SidecarMain.class.getName());
    }

    @Test
    void runsFromAPolicyDirectoryAndFollowsItsChanges() throws Exception {
        Path key = tmp.resolve("audit.key");
        Files.write(key, new byte[48]);
        KubeletVolume volume = new KubeletVolume(Files.createDirectories(tmp.resolve("policy")));
        try (LocalIssuer issuer = LocalIssuer.start(null, 0)) {
            Map<String, String> files = new LinkedHashMap<>();
            files.put(PolicyDirectory.POLICY, policy(issuer.issuer(), ""));
            files.put(PolicyDirectory.USERNAME, TestPostgres.SCRAM_USER);
            files.put(PolicyDirectory.PASSWORD, TestPostgres.PASSWORD);
            files.put(
                    PolicyDirectory.EXPIRES_AT,
                    Instant.now().plus(Duration.ofHours(1)).toString());
            volume.publish(files);

            List<String> command = new java.util.ArrayList<>(launcher());
            command.addAll(List.of(
                    "--policy-dir=" + volume.dir(),
                    "--audit-key-file=" + key,
                    "--listen=127.0.0.1:0",
                    "--admin-listen=127.0.0.1:0",
                    "--approvals=none",
                    "--spool-dir=" + tmp.resolve("spool"),
                    "--service-account-dir=" + tmp.resolve("no-such-dir")));
            Process process = new ProcessBuilder(command)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            List<String> stderr = new CopyOnWriteArrayList<>();
            CompletableFuture<Integer> port = new CompletableFuture<>();
            Thread pump = new Thread(() -> {
                try (BufferedReader r =
                        new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        stderr.add(line);
                        if (line.contains("listening on ")) {
                            String address = line.substring(line.indexOf("listening on ") + 13)
                                    .split(",")[0];
                            port.complete(Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)));
                        }
                    }
                } catch (java.io.IOException e) {
                    // The process ended.
                }
            });
            pump.setDaemon(true);
            pump.start();
            try {
                int listening;
                try {
                    listening = port.get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError("the sidecar did not start: " + String.join("\n", stderr), e);
                }
                Properties p = new Properties();
                p.setProperty("user", "agent");
                p.setProperty("password", issuer.mint("process-tester", Duration.ofMinutes(5)));
                p.setProperty("sslmode", "disable");
                try (Connection c = DriverManager.getConnection(
                                "jdbc:postgresql://127.0.0.1:" + listening + "/" + TestPostgres.DATABASE, p);
                        Statement s = c.createStatement()) {
                    s.execute("select 1");
                    files.put(PolicyDirectory.POLICY, policy(issuer.issuer(), """
                rules:
                  - {name: no-reads, statements: [SELECT], action: Deny}
              """));
                    volume.publish(files);
                    PolicyReloadTest.within(Duration.ofSeconds(10), "the running process denies SELECT", () -> {
                        try {
                            s.execute("select 1");
                            return false;
                        } catch (SQLException e) {
                            return "42501".equals(e.getSQLState());
                        }
                    });
                }
                assertThat(stderr).anyMatch(l -> l.contains("watching " + volume.dir()));
                // The reload is applied before it is logged, and the pump reads stderr on its own thread.
                PolicyReloadTest.within(
                        Duration.ofSeconds(10),
                        "the process logs the reload",
                        () -> stderr.stream().anyMatch(l -> l.contains("version 2 applied")));

                // The kubelet sends SIGTERM and waits terminationGracePeriodSeconds (30 s) before SIGKILL.
                process.destroy();
                assertThat(process.waitFor(30, TimeUnit.SECONDS))
                        .as("SIGTERM stops the sidecar within 30 s")
                        .isTrue();
            } finally {
                if (process.isAlive()) {
                    process.destroyForcibly();
                }
            }
        }
    }

    private static String usageError(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new SidecarMain());
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        assertThat(code).isEqualTo(2);
        return err.toString();
    }

    @Test
    void takesExactlyOneWayToFindThePolicy() {
        String key = "--audit-key-file=/dev/null";
        assertThat(usageError(key))
                .contains("--policy-dir DIR (the mounted policy Secret), or --policy FILE with --upstream URL");
        assertThat(usageError(key, "--policy-dir=/x", "--policy=/y.yaml", "--upstream=postgresql://a@b/c"))
                .contains("either --policy-dir (in a cluster) or --policy with --upstream, not both");
        assertThat(usageError(key, "--policy=/y.yaml")).contains("--policy needs --upstream URL");
        assertThat(usageError(key, "--upstream=postgresql://a@b/c")).contains("--upstream needs --policy FILE");
    }
}
