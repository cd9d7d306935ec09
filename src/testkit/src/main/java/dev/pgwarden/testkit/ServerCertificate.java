package dev.pgwarden.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for the test server, made with the openssl command when it exists.
 * Valid for the name localhost only, so a client that dials 127.0.0.1 with host-name checks
 * must refuse it.
 */
final class ServerCertificate {
  private ServerCertificate() {
  }

  /** @return false when openssl is missing or failed (the server then runs without TLS) */
  static boolean create(Path dir) {
    try {
      Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
          "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
          "-keyout", dir.resolve("server.key").toString(), "-out", dir.resolve("server.crt").toString())
          .redirectErrorStream(true).start();
      p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Copies the pair into the data directory with the ownership and mode PostgreSQL insists on. */
  static void install(Path from, Path dataDir) {
    try {
      var owner = Files.getOwner(dataDir);
      for (String name : new String[] {"server.crt", "server.key"}) {
        Path target = dataDir.resolve(name);
        Files.copy(from.resolve(name), target, StandardCopyOption.REPLACE_EXISTING);
        Files.setOwner(target, owner);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot install the test server certificate", e);
    }
  }
}
