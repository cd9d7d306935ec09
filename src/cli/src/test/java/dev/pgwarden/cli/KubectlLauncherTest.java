package dev.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/kubectl-pgwarden as kubectl finds it: a link on PATH to the link in a checkout's bin/, run
 * by the real {@code kubectl} with KUBECONFIG set. The checkout is a copy of bin/ with a jar in
 * place (so the script builds nothing), and {@code java} on PATH runs this build's classes instead
 * of that jar, with the arguments bin/pgwarden gives it.
 */
@Timeout(120)
class KubectlLauncherTest {
    private static final Path BIN = Path.of("../../bin").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private ReviewCluster cluster;
    private Path path;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new ReviewCluster(tmp);
        cluster.request(
                "agents", "pgw-drop", "DROP TABLE staging_events", Instant.now().plus(Duration.ofMinutes(10)), null);
        Path checkout = tmp.resolve("checkout");
        Files.createDirectories(checkout.resolve("bin"));
        Files.copy(BIN.resolve("pgwarden"), checkout.resolve("bin/pgwarden"));
        Files.createSymbolicLink(
                checkout.resolve("bin/kubectl-pgwarden"), Files.readSymbolicLink(BIN.resolve("kubectl-pgwarden")));
        for (String dir : List.of("src", "sidecar/src", "config")) {
            Files.createDirectories(checkout.resolve(dir));
        }
        Path jar = checkout.resolve("src/cli/target/pgwarden.jar");
        Files.createDirectories(jar.getParent());
        Files.createFile(jar);
        Files.setLastModifiedTime(
                jar, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(3600)));

        path = tmp.resolve("path");
        Files.createDirectories(path);
        Files.createSymbolicLink(path.resolve("kubectl-pgwarden"), checkout.resolve("bin/kubectl-pgwarden"));
        Files.createSymbolicLink(path.resolve("pgwarden"), checkout.resolve("bin/pgwarden"));
        Path java = path.resolve("java");
        Files.writeString(java, """
                #!/bin/sh
                # bin/pgwarden runs: java -Dpgwarden.launcher=NAME -jar JAR ARGS...
                launcher="$1"; shift
                [ "$1" = "-jar" ] || { echo "not the expected java command line: $launcher $*" >&2; exit 97; }
                shift 2
                exec "$REAL_JAVA" "$launcher" -cp "$TEST_CLASS_PATH" dev.pgwarden.cli.Main "$@"
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private Result run(String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
        Map<String, String> env = builder.environment();
        env.put("PATH", path + ":/usr/local/bin:/usr/bin:/bin");
        env.put("KUBECONFIG", cluster.kubeconfig.toString());
        env.put("REAL_JAVA", ProcessHandle.current().info().command().orElseThrow());
        env.put("TEST_CLASS_PATH", System.getProperty("java.class.path"));
        env.remove("JAVA_TOOL_OPTIONS");
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), out, err);
    }

    record Result(int exit, String out, String err) {}

    @Test
    void kubectlRunsThePluginWhichWorksOnTheClusterOfKubeconfig() throws Exception {
        assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/kubectl"))
                        || Files.isExecutable(Path.of("/usr/local/bin/kubectl")),
                "kubectl is not installed");

        // No --cluster and no --kubeconfig: the name selects the cluster, KUBECONFIG the user (alice).
        Result approve = run("kubectl", "pgwarden", "approve", "pgw-drop", "-n", "agents", "--comment", "fine");

        assertThat(approve.exit()).as(approve.err()).isZero();
        assertThat(approve.out()).isEqualTo("pgw-drop approved by alice@example.com: DROP TABLE staging_events\n");
    }

    @Test
    void theLinksNameSelectsTheCluster() throws Exception {
        // By their paths, as a shell finds them on PATH (a child's PATH does not choose its own program).
        Result plugin = run(path.resolve("kubectl-pgwarden").toString(), "approvals", "-n", "agents");
        Result pgwarden = run(path.resolve("pgwarden").toString(), "approvals", "-n", "agents");

        assertThat(plugin.exit()).as(plugin.err()).isZero();
        assertThat(plugin.out()).contains("pgw-drop -n agents");
        assertThat(pgwarden.exit()).isEqualTo(2);
        assertThat(pgwarden.err()).contains("--namespace is for a cluster: add --cluster");
    }
}
