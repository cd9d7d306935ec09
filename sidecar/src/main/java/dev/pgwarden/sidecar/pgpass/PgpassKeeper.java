package dev.pgwarden.sidecar.pgpass;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a {@link PgpassFile} current with a token that is replaced while clients run: the pod's
 * projected token, which the kubelet renews before it expires, or the token {@code pgwarden local}
 * mints. Polls, as the policy watcher does: the kubelet swaps a {@code ..data} symlink, which file
 * watchers do not reliably report, and reading a small file once a second costs nothing. The file
 * is rewritten only when the token changed. Runs on its own thread, never on an event loop.
 */
public final class PgpassKeeper implements AutoCloseable {
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(1);

    /** Where the current token comes from; asked on every poll. */
    @FunctionalInterface
    public interface TokenSource {
        String current() throws IOException;
    }

    private final Path file;
    private final InetSocketAddress proxy;
    private final TokenSource tokens;
    private final PrintStream log;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgwarden-pgpass");
        t.setDaemon(true);
        return t;
    });
    private String written;
    private String lastProblem;

    PgpassKeeper(Path file, InetSocketAddress proxy, TokenSource tokens, PrintStream log) {
        this.file = file;
        this.proxy = proxy;
        this.tokens = tokens;
        this.log = log;
    }

    /**
     * Writes the file once now (a failure is reported and retried at the next poll, so a token that
     * is not there yet delays the file but not the proxy), then keeps it current.
     *
     * @param proxy the address the proxy listens on, as bound (the port may have been chosen)
     */
    public static PgpassKeeper start(
            Path file, InetSocketAddress proxy, TokenSource tokens, Duration period, PrintStream log) {
        PgpassKeeper keeper = new PgpassKeeper(file, proxy, tokens, log);
        keeper.refresh();
        keeper.poller.scheduleWithFixedDelay(
                keeper::refresh, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        return keeper;
    }

    /** The token file as the kubelet projects it: the token, perhaps with a trailing line break. */
    public static TokenSource tokenFile(Path tokenFile) {
        return () -> Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    }

    public Path file() {
        return file;
    }

    /** One poll: rewrites the file when the token changed. Never throws: the next poll tries again. */
    void refresh() {
        try {
            String token = tokens.current();
            if (token == null || token.isEmpty()) {
                problem("no token yet");
                return;
            }
            if (token.equals(written)) {
                return;
            }
            PgpassFile.write(file, PgpassFile.content(proxy, token));
            written = token;
            if (lastProblem != null) {
                log.println("pgwarden: password file " + file + " is current again");
            }
            lastProblem = null;
        } catch (IOException | RuntimeException e) {
            // The message names files, never the token.
            problem(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Said once per distinct problem, not once a second. */
    private void problem(String what) {
        if (!what.equals(lastProblem)) {
            log.println("pgwarden: cannot update password file " + file + ": " + what + "; the clients keep the"
                    + " previous token until this is fixed");
            lastProblem = what;
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
