package dev.pgwarden.cli;

import dev.pgwarden.sidecar.identity.LocalIssuer;
import dev.pgwarden.sidecar.pgpass.PgpassKeeper;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The password file {@code pgwarden local} keeps in its state directory, as the sidecar keeps one
 * in a pod: a token of the local issuer, replaced by a fresh one when a third of its lifetime is
 * left, so clients that read the file for each connection never present an expired token.
 */
final class LocalPgpass implements PgpassKeeper.TokenSource {
    static final String FILE = "pgpass";
    /** The user name the printed hints use; the token's subject is local:USER. */
    static final String USER = "agent";

    private final LocalIssuer issuer;
    private final Duration ttl;
    private String token;
    private long mintedAt;

    private LocalPgpass(LocalIssuer issuer, Duration ttl) {
        this.issuer = issuer;
        this.ttl = ttl;
    }

    /** Writes {@code pgpass} in the state directory now and keeps it current until closed. */
    static PgpassKeeper start(Path stateDir, LocalIssuer issuer, InetSocketAddress proxy, Duration ttl, PrintStream log)
            throws java.io.IOException {
        Files.createDirectories(stateDir);
        // Polled often enough to replace the token well before its last third is over.
        Duration period = clamp(ttl.dividedBy(10), Duration.ofSeconds(1), Duration.ofMinutes(1));
        return PgpassKeeper.start(
                stateDir.toAbsolutePath().resolve(FILE), proxy, new LocalPgpass(issuer, ttl), period, log);
    }

    /** How to connect with no credential at all, the way an agent in a pod does. */
    static String hint(Path file, InetSocketAddress proxy, String database) {
        return "Or with no password, from the file kept current with a fresh token:\n  PGPASSFILE=" + file
                + " PGHOST=" + proxy.getAddress().getHostAddress() + " PGPORT=" + proxy.getPort() + " PGUSER=" + USER
                + " PGDATABASE=" + database + " psql";
    }

    @Override
    public String current() {
        long now = System.nanoTime();
        if (token == null || now - mintedAt >= ttl.toNanos() * 2 / 3) {
            token = issuer.mint(USER, ttl);
            mintedAt = now;
        }
        return token;
    }

    private static Duration clamp(Duration d, Duration min, Duration max) {
        return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
    }
}
