package dev.pgwarden.operator;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link OperatorProcessTest} run by failsafe after {@code package}, with the operator started as
 * the image starts it ({@code java -jar} on the shaded jar {@code operator/Dockerfile} copies): the
 * merged service files (Fabric8's HTTP client and model, JOSDK, Jackson) and the manifest's main
 * class are what a class-path run cannot show.
 */
class ShadedOperatorJarIT extends OperatorProcessTest {
  @Override
  protected AutoCloseable launch(Map<String, String> clientProperties, List<String> args) throws IOException {
    String jar = System.getProperty("pgwarden.shaded.jar");
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw new AssertionError("the shaded jar " + jar + " is missing: run this test through mvn verify");
    }
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m"));
    clientProperties.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.addAll(List.of("-jar", jar));
    command.addAll(args);
    Path log = Files.createTempFile("pgwarden-operator-", ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    awaitListening(process, opsPort(args), log);
    return () -> {
      boolean wasRunning = process.isAlive();
      long stopping = System.nanoTime();
      process.destroy();
      boolean stopped = process.waitFor(30, TimeUnit.SECONDS);
      if (!stopped) {
        process.destroyForcibly();
      }
      // Shown in the failsafe report: what the operator printed, whatever the outcome.
      System.out.println("operator process (running until the end: " + wasRunning + "; SIGTERM "
          + (stopped ? "ended it in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping) + " ms"
              : "did not end it within 30 s") + "):\n" + Files.readString(log));
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
        throw new AssertionError("the operator exited with " + process.exitValue() + ":\n" + Files.readString(log));
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
    return args.stream().filter(a -> a.startsWith("--ops-listen=")).findFirst()
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
