package dev.pgwarden.cli;

import static dev.pgwarden.cli.ClientMatrix.check;
import static dev.pgwarden.cli.ClientMatrix.expect;

import dev.pgwarden.cli.ClientMatrix.Report;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** psql as a person types it, with libpq's environment only: {@code -w}, so a missing password fails at once. */
final class PsqlClient {
    record Run(int exit, String out, String err) {}

    private final Map<String, String> env;

    PsqlClient(Map<String, String> env) {
        this.env = env;
    }

    void all(Report report) {
        check(report, "connect without password", () -> {
            Run r = psql(null, "-c", "select current_user");
            expect(r.exit() == 0, r.err());
            return "connected as " + r.out().strip() + " upstream";
        });
        check(report, "query, masked", () -> {
            Run r = psql(null, "-c", "select name, email from customers where id = 5");
            expect(r.out().strip().equals("Edsger Dijkstra|****@example.nl"), r.out() + r.err());
            return r.out().strip();
        });
        check(report, "meta-commands", () -> {
            // Qualified: the agent's search_path finds the masking view customers before the table, and
            // a bare \dt lists only the tables a name finds.
            Run tables = psql(null, "-c", "\\dt public.*");
            Run columns = psql(null, "-c", "\\d orders");
            expect(
                    tables.out().contains("|customers|") && tables.out().contains("|orders|"),
                    tables.out() + tables.err());
            expect(columns.out().contains("customer_id|integer"), columns.out() + columns.err());
            return "\\dt lists customers and orders, \\d orders its columns";
        });
        check(report, "cursor", () -> {
            Run r = psql(
                    "BEGIN;\nDECLARE c CURSOR FOR SELECT id FROM orders ORDER BY id;\nFETCH 3 FROM c;\nFETCH 2 FROM c;\n"
                            + "CLOSE c;\nCOMMIT;\n",
                    "-f",
                    "-");
            // Between the command tags psql prints for a script: the fetched ids.
            expect(
                    r.out().lines().filter(l -> l.matches("\\d+")).toList().equals(List.of("1", "2", "3", "4", "5")),
                    r.out() + r.err());
            return "FETCH 3, FETCH 2";
        });
        check(report, "COPY out", () -> {
            Run r = psql(null, "-c", "\\copy orders to stdout");
            long lines = r.out().lines().count();
            expect(r.exit() == 0 && lines == 50, lines + " lines; " + r.err());
            return "\\copy: 50 rows";
        });
        check(report, "COPY in", () -> {
            Run r = psql(
                    "CREATE TEMP TABLE matrix_in (id int, note text);\nCOPY matrix_in FROM STDIN;\n1\tone\n2\ttwo\n\\.\n"
                            + "SELECT count(*) FROM matrix_in;\n",
                    "-f",
                    "-");
            expect(r.out().strip().endsWith("2"), r.out() + r.err());
            return "COPY FROM STDIN inline: 2 rows";
        });
        check(report, "cancel", () -> {
            // Ctrl-C: psql sends a CancelRequest on a connection of its own.
            Process p = start("-c", "select pg_sleep(30)");
            CompletableFuture<String> err =
                    CompletableFuture.supplyAsync(() -> ClientMatrixTest.read(p.getErrorStream()));
            awaitRunning("select pg_sleep(30)");
            long sent = System.nanoTime();
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            expect(p.waitFor(15, TimeUnit.SECONDS), "psql did not return after SIGINT");
            String stderr = err.get(5, TimeUnit.SECONDS);
            expect(stderr.contains("canceling statement due to user request"), stderr);
            return "57014 " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent) + " ms after Ctrl-C";
        });
        check(report, "LISTEN/NOTIFY", () -> {
            Run r = psql("LISTEN matrix;\nNOTIFY matrix, 'hello';\n", "-f", "-");
            expect(
                    r.out().contains("Asynchronous notification \"matrix\" with payload \"hello\" received"),
                    r.out() + r.err());
            return "psql showed the notification";
        });
    }

    void reconnect(Report report) {
        check(report, "reconnect after token expiry", () -> {
            Run r = psql(null, "-c", "select 1");
            expect(r.exit() == 0 && r.out().strip().equals("1"), r.out() + r.err());
            return "a new connection took the fresh token from the file";
        });
    }

    /** Until the server runs the statement: Ctrl-C while psql still connects would cancel nothing. */
    private void awaitRunning(String statement) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Run r = psql(
                    null,
                    "-c",
                    "select count(*) from pg_stat_activity where state = 'active' and query = '" + statement + "'");
            if (r.out().strip().equals("1")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(statement + " was not running within 20 s");
    }

    private Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("psql", "-X", "-w", "-A", "-t", "-v", "ON_ERROR_STOP=1"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb.start();
    }

    private Run psql(String stdin, String... args) throws Exception {
        Process p = start(args);
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> ClientMatrixTest.read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> ClientMatrixTest.read(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("psql " + String.join(" ", args) + " did not finish in 30 s");
        }
        return new Run(p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
    }
}
