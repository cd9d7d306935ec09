package dev.pgwarden.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code pgwarden local} as a user starts it: a process of its own, whose first lines on standard
 * output are {@code PGWARDEN_URL=...} and {@code PGPASSFILE=...}. Stopped with SIGTERM.
 */
final class LocalProcess implements AutoCloseable {
    private final Process process;
    private final String url;
    private final Path pgpassFile;
    private final StringBuilder stderr;

    private LocalProcess(Process process, String url, Path pgpassFile, StringBuilder stderr) {
        this.process = process;
        this.url = url;
        this.pgpassFile = pgpassFile;
        this.stderr = stderr;
    }

    static LocalProcess start(Path stateDir, String... more) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                javaBin,
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "local",
                "--listen",
                "127.0.0.1:0",
                "--admin-listen",
                "127.0.0.1:0",
                "--state-dir",
                stateDir.toString()));
        command.addAll(List.of(more));
        Process process = new ProcessBuilder(command).start();
        StringBuilder stderr = new StringBuilder();
        CompletableFuture.runAsync(() -> {
            try (BufferedReader err =
                    new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) {
                    synchronized (stderr) {
                        stderr.append(line).append('\n');
                    }
                }
            } catch (Exception ignored) {
                // the process ended
            }
        });
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String url = null;
        String pgpass = null;
        String line;
        while ((url == null || pgpass == null) && (line = out.readLine()) != null) {
            if (line.startsWith("PGWARDEN_URL=")) {
                url = line.substring("PGWARDEN_URL=".length());
            } else if (line.startsWith("PGPASSFILE=")) {
                pgpass = line.substring("PGPASSFILE=".length());
            }
        }
        LocalProcess local = new LocalProcess(process, url, pgpass == null ? null : Path.of(pgpass), stderr);
        if (url == null || pgpass == null) {
            local.close();
            throw new IllegalStateException(
                    "pgwarden local printed no PGWARDEN_URL and PGPASSFILE; stderr:\n" + local.stderr());
        }
        CompletableFuture.runAsync(() -> {
            try {
                process.getInputStream().transferTo(OutputStream.nullOutputStream());
            } catch (Exception ignored) {
                // the process ended
            }
        });
        return local;
    }

    /** A pgjdbc connection to a {@code postgresql://user:token@host:port/db} URL as local mode prints it. */
    static java.sql.Connection connect(String postgresUrl) throws java.sql.SQLException {
        URI uri = URI.create(postgresUrl);
        String[] userInfo = uri.getUserInfo().split(":", 2);
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", userInfo[0]);
        p.setProperty("password", userInfo[1]);
        return java.sql.DriverManager.getConnection(
                "jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + uri.getPath(), p);
    }

    /** The printed URL, with the first token as its password. */
    String url() {
        return url;
    }

    Path pgpassFile() {
        return pgpassFile;
    }

    String host() {
        return URI.create(url).getHost();
    }

    int port() {
        return URI.create(url).getPort();
    }

    String database() {
        return URI.create(url).getPath().substring(1);
    }

    String stderr() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
