package dev.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.database.RoleNames;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `pgwarden local` as a newcomer runs it: a separate process, the printed URL, the demo data. */
class LocalCommandTest {
    @TempDir
    static Path state;

    private static Process local;
    private static String url;
    private static int embeddedPort;
    private static final StringBuilder stderr = new StringBuilder();

    @BeforeAll
    static void start() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        local = new ProcessBuilder(
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
                        state.toString(),
                        "--recordings",
                        state.resolve("recordings").toString())
                .start();
        CompletableFuture.runAsync(() -> {
            try (BufferedReader err =
                    new BufferedReader(new InputStreamReader(local.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) {
                    synchronized (stderr) {
                        stderr.append(line).append('\n');
                    }
                }
            } catch (Exception ignored) {
                // process ended
            }
        });
        BufferedReader out = new BufferedReader(new InputStreamReader(local.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("PGWARDEN_URL=")) {
            // audit lines may come first only if someone connected, which nobody has yet
        }
        assertThat(line)
                .as("pgwarden local printed its URL; stderr:\n%s", stderr)
                .isNotNull();
        url = line.substring("PGWARDEN_URL=".length());
        // stderr is copied by another thread: the line may not be there yet.
        Pattern embedded = Pattern.compile("embedded PostgreSQL on 127\\.0\\.0\\.1:(\\d+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Matcher m = embedded.matcher(stderrText());
        while (!m.find() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            m = embedded.matcher(stderrText());
        }
        assertThat(m.find(0)).as(stderrText()).isTrue();
        embeddedPort = Integer.parseInt(m.group(1));
        CompletableFuture.runAsync(() -> {
            try {
                local.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            } catch (Exception ignored) {
                // process ended
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (local != null) {
            local.destroy();
            assertThat(local.waitFor(30, TimeUnit.SECONDS))
                    .as("pgwarden local stops on SIGTERM")
                    .isTrue();
        }
    }

    private static String stderrText() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    /** Turns the printed postgresql:// URL into a pgjdbc connection, as a libpq client would read it. */
    private static Connection connect(String postgresUrl) throws SQLException {
        URI uri = URI.create(postgresUrl);
        String[] userInfo = uri.getUserInfo().split(":", 2);
        Properties p = new Properties();
        p.setProperty("user", userInfo[0]);
        p.setProperty("password", userInfo[1]);
        return DriverManager.getConnection(
                "jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + uri.getPath(), p);
    }

    @Test
    void thePrintedUrlWorksAndShowsTheDemoData() throws Exception {
        assertThat(url).matches("postgresql://agent:[A-Za-z0-9_.-]+@127\\.0\\.0\\.1:\\d+/app");
        try (Connection c = connect(url);
                ResultSet rs =
                        c.createStatement().executeQuery("select count(*), count(distinct email) from customers")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(5);
            // Computed from a masked column: masked whole (NULL in a number column).
            assertThat(rs.getObject(2)).isNull();
        }
        try (Connection c = connect(url);
                ResultSet rs = c.createStatement().executeQuery("select email, ssn from customers order by id")) {
            while (rs.next()) {
                // The bundled policy masks email and ssn with partial: the domain and the last four digits stay.
                assertThat(rs.getString(1)).matches("\\*\\*\\*\\*@[a-z.]+");
                assertThat(rs.getString(2)).matches("\\*\\*\\*\\*\\d{4}|\\*\\*\\*\\*");
            }
        }
        try (Connection c = connect(url);
                ResultSet rs = c.createStatement().executeQuery("select count(*) from orders")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(50);
        }
        assertThat(stderrText()).contains("psql \"" + url + "\"");
    }

    @Test
    void tokenCommandMintsAnotherWorkingUrl() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.commandLine()
                    .execute(
                            "token", "--url", "--user", "second-agent", "--ttl", "5m", "--state-dir", state.toString());
        } finally {
            System.setOut(original);
        }
        assertThat(exit).isZero();
        String printed = captured.toString(StandardCharsets.UTF_8).strip();
        assertThat(printed).startsWith("PGWARDEN_URL=postgresql://second-agent:");
        try (Connection c = connect(printed.substring("PGWARDEN_URL=".length()));
                ResultSet rs = c.createStatement().executeQuery("select current_user")) {
            rs.next();
            // A login role minted for the bundled policy's group, never the embedded superuser.
            assertThat(rs.getString(1))
                    .startsWith(RoleNames.of(LocalRoles.namespace(state), "local-demo")
                            .loginPrefix())
                    .isNotEqualTo(DemoDatabase.ADMIN_ROLE);
        }
    }

    @Test
    void sessionsAreRecordedThenListedReplayedAndVerified() throws Exception {
        Run token = cli("token", "--url", "--user", "replayer", "--ttl", "5m", "--state-dir", state.toString());
        try (Connection c = connect(token.out().strip().substring("PGWARDEN_URL=".length()));
                java.sql.Statement s = c.createStatement()) {
            s.executeQuery("SELECT name FROM customers ORDER BY id LIMIT 2 /* replay-me */")
                    .close();
        }
        String recordings = state.resolve("recordings").toString();
        String row = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (row == null && System.nanoTime() < deadline) {
            row = cli("replay", recordings, "--list")
                    .out()
                    .lines()
                    .filter(l -> l.contains("local:replayer") && l.contains("ended"))
                    .findFirst()
                    .orElse(null);
            Thread.sleep(100);
        }
        assertThat(row).as("the session is listed as ended").isNotNull();
        String session = row.strip().split("\\s+")[0];

        Run replay = cli("replay", recordings, "--session", session);
        assertThat(replay.exit()).isZero();
        // customers has masked columns in the demo policy: the recording keeps the statement's shape only.
        assertThat(replay.out())
                .contains("local:replayer=> select name from customers order by id limit ?;")
                .contains("SELECT 2")
                .contains("Session ended");

        Run verify = cli(
                "audit",
                "verify",
                recordings,
                "--key-file",
                state.resolve("audit.key").toString(),
                "--session",
                session);
        assertThat(verify.exit()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).contains("OK").contains(session);
    }

    @Test
    void heldStatementsAreDecidedWithTheApprovalCommands() throws Exception {
        try (Connection c = connect(url);
                java.sql.Statement s = c.createStatement()) {
            // Qualified: the agent's search_path puts the masking views' schema first, and PostgreSQL
            // creates unqualified objects in the first schema of the path, where the agent may not.
            s.execute("create table if not exists public.scratch (id int)");
            CompletableFuture<Boolean> drop = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.execute("drop table scratch");
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            String listed = "";
            for (int i = 0; i < 500 && !listed.contains("drop table scratch"); i++) {
                Thread.sleep(20);
                listed = cli("approvals", "--state-dir", state.toString()).out();
            }
            assertThat(listed)
                    .contains("Pending")
                    .contains("rule destructive-ddl")
                    .contains("drop table scratch")
                    // What it would remove, read from the catalog: an empty table never analyzed.
                    .containsPattern("would remove table (public\\.)?scratch: rows unknown");
            String name = listed.substring(0, listed.indexOf(' '));

            Run nobody = cli("approve", "pgw-doesnotexist", "--state-dir", state.toString());
            assertThat(nobody.exit()).isEqualTo(1);
            assertThat(nobody.err()).contains("no approval request named pgw-doesnotexist");

            Run approved = cli("approve", name, "--comment", "scratch only", "--state-dir", state.toString());
            assertThat(approved.exit()).as(approved.err()).isZero();
            assertThat(approved.out()).contains(name + " approved by " + System.getProperty("user.name"));
            assertThat(drop.get(10, TimeUnit.SECONDS)).isFalse();
            assertThat(cli("deny", name, "--state-dir", state.toString()).err()).contains("already Executed");
        }
    }

    private record Run(int exit, String out, String err) {}

    private static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        java.io.StringWriter err = new java.io.StringWriter();
        PrintStream original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int exit;
        try {
            picocli.CommandLine cmd = Main.commandLine();
            cmd.setErr(new java.io.PrintWriter(err, true));
            exit = cmd.execute(args);
        } finally {
            System.setOut(original);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    @Test
    void theStateFileIsPrivate() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve(LocalState.FILE))))
                .isEqualTo("rw-------");
    }

    @Test
    void theEmbeddedDatabaseRefusesPasswordlessLogins() {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        // No password: the server asks for one (SCRAM), which pgjdbc then cannot give (08004).
        assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + embeddedPort + "/app", p)
                        .close())
                .isInstanceOfSatisfying(
                        SQLException.class,
                        e -> assertThat(e.getSQLState()).as(e.getMessage()).isIn("08004", "28P01", "28000"));
        // A wrong one: the server itself refuses.
        p.setProperty("password", "not-the-admin-password");
        assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + embeddedPort + "/app", p)
                        .close())
                .isInstanceOfSatisfying(
                        SQLException.class,
                        e -> assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("28P01"));
    }

    @Test
    void tokenWithoutARunningLocalSaysSo(@TempDir Path empty) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        var cli = Main.commandLine();
        cli.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        assertThat(cli.execute("token", "--state-dir", empty.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no running `pgwarden local` found");
    }

    @Test
    void aBadPolicyFileIsReportedWithItsFieldPath(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(
                bad,
                String.join(
                        "\n",
                        List.of(
                                "apiVersion: pgwarden.dev/v1alpha1",
                                "kind: DatabaseAccessPolicy",
                                "metadata: {name: p}",
                                "spec:",
                                "  access: {mode: ReadOnce}")));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        var cli = Main.commandLine();
        cli.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        assertThat(cli.execute("local", "--policy", bad.toString(), "--state-dir", dir.toString()))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("spec.access.mode")
                .contains("'ReadOnce' is not one of ReadOnly, ReadWrite");
    }
}
