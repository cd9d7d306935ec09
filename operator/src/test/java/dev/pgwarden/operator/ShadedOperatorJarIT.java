package dev.pgwarden.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link OperatorProcessTest} run by failsafe after {@code package}, with the operator started as
 * the image starts it ({@code java -jar} on the shaded jar {@code operator/Dockerfile} copies): the
 * merged service files (Fabric8's HTTP client and model, JOSDK, Jackson) and the manifest's main
 * class are what a class-path run cannot show.
 */
class ShadedOperatorJarIT extends OperatorProcessTest {
    private Process process;
    private Path log;

    /**
     * Two replicas must never reconcile at once: one whose Lease is taken over (it could not renew
     * in time, say) exits, and Kubernetes restarts it as a follower.
     */
    @Test
    void aReplicaThatLosesItsLeaseExits() throws Exception {
        Await.until(
                () -> {
                    Lease lease = client.leases()
                            .inNamespace(OPERATOR_NS)
                            .withName("pgwarden-operator")
                            .get();
                    return lease != null && lease.getSpec().getHolderIdentity() != null;
                },
                "the replica takes the Lease");
        // A merge patch without resourceVersion: the replica renews every 2 s and would win a 409 race.
        String now = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
                .format(ZonedDateTime.now(ZoneOffset.UTC));
        client.leases()
                .inNamespace(OPERATOR_NS)
                .withName("pgwarden-operator")
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"holderIdentity\":\"another-replica\",\"leaseDurationSeconds\":600,\"renewTime\":\""
                                + now + "\",\"acquireTime\":\"" + now + "\"}}");
        assertThat(process.waitFor(60, TimeUnit.SECONDS))
                .as("the replica exits once it cannot renew")
                .isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(Files.readString(log)).contains("lost Lease pgwarden-system/pgwarden-operator");
    }

    @Override
    protected AutoCloseable launch(Map<String, String> clientProperties, List<String> args) throws IOException {
        String jar = System.getProperty("pgwarden.shaded.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new AssertionError("the shaded jar " + jar + " is missing: run this test through mvn verify");
        }
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        clientProperties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", jar));
        command.addAll(args);
        Path log = Files.createTempFile("pgwarden-operator-", ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        this.process = process;
        this.log = log;
        awaitListening(process, opsPort(args), log);
        return () -> {
            if (!process.isAlive()) {
                System.out.println(
                        "operator process (exited with " + process.exitValue() + "):\n" + Files.readString(log));
                Files.deleteIfExists(log);
                return;
            }
            boolean wasRunning = process.isAlive();
            long stopping = System.nanoTime();
            process.destroy();
            boolean stopped = process.waitFor(30, TimeUnit.SECONDS);
            if (!stopped) {
                process.destroyForcibly();
            }
            // Shown in the failsafe report: what the operator printed, whatever the outcome.
            System.out.println("operator process (running until the end: " + wasRunning + "; SIGTERM "
                    + (stopped
                            ? "ended it in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping) + " ms"
                            : "did not end it within 30 s")
                    + "):\n" + Files.readString(log));
            Files.deleteIfExists(log);
            // Kubernetes sends SIGTERM and waits terminationGracePeriodSeconds (30 s) before SIGKILL.
            if (!stopped) {
                throw new AssertionError("SIGTERM did not stop the operator within 30 s");
            }
        };
    }

    /** The in-process start returns once the servers listen; a process is waited for the same way. */
    private static void awaitListening(Process process, int port, Path log) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(
                        "the operator exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                new Socket("127.0.0.1", port).close();
                return;
            } catch (IOException notYet) {
                sleep();
            }
        }
        process.destroyForcibly();
        throw new AssertionError("the operator did not listen on " + port + " within 60 s:\n" + Files.readString(log));
    }

    private static int opsPort(List<String> args) {
        return args.stream()
                .filter(a -> a.startsWith("--ops-listen="))
                .findFirst()
                .map(a -> Integer.parseInt(a.substring(a.lastIndexOf(':') + 1)))
                .orElseThrow(() -> new AssertionError("no --ops-listen in " + args));
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
