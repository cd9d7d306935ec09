package dev.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients written by others, driven through {@code pgwarden local} as an agent's tools would drive
 * them: psql, pgjdbc, node-postgres, postgres.js, psycopg2 and the MCP PostgreSQL server. None is
 * given a password: they find the token in the password file {@code pgwarden local} keeps, with a
 * token that lives 5 seconds (plus the verifier's 60 s of clock skew), so the token printed at the
 * start expires during the run and every client then connects again with a fresh one.
 *
 * <p>The Node packages come from {@code src/test/clients} ({@code npm ci} there, which .ci/run
 * does), psycopg2 from Debian's python3-psycopg2. Prints the matrix and leaves it in
 * {@code target/client-matrix.txt}.
 */
class ClientMatrixTest {
    static final Path CLIENTS = Path.of("src", "test", "clients");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final List<String> FEATURES = List.of(
            "connect without password",
            "query, masked",
            "parameters",
            "binary results",
            "cursor",
            "COPY out",
            "COPY in",
            "cancel",
            "LISTEN/NOTIFY",
            "pool",
            "pipelining",
            "meta-commands",
            "MCP initialize, tools/list",
            "MCP tools/call query",
            "held for approval",
            "reconnect after token expiry");
    private static final Set<String> COMMON = Set.of(
            "connect without password",
            "query, masked",
            "cursor",
            "COPY out",
            "COPY in",
            "cancel",
            "LISTEN/NOTIFY",
            "reconnect after token expiry");

    @TempDir
    Path state;

    @Test
    void clientsConnectThroughThePasswordFileAndKeepConnectingAfterTheTokenExpires() throws Exception {
        Tools tools = Tools.find();
        Map<String, Set<String>> expected = new LinkedHashMap<>();
        expected.put("psql", plus(COMMON, "meta-commands"));
        expected.put("pgjdbc", plus(COMMON, "parameters", "binary results"));
        expected.put("node-postgres", plus(COMMON, "parameters", "binary results", "pool"));
        expected.put("postgres.js", plus(COMMON, "parameters", "pipelining"));
        expected.put("psycopg2", plus(COMMON, "parameters", "pool"));
        expected.put(
                "mcp-server-postgres",
                Set.of(
                        "connect without password",
                        "MCP initialize, tools/list",
                        "MCP tools/call query",
                        "held for approval",
                        "reconnect after token expiry"));
        ClientMatrix matrix = new ClientMatrix(FEATURES, expected);
        long began = System.nanoTime();
        String expiry;
        try (LocalProcess local = LocalProcess.start(
                state,
                "--token-ttl",
                "5s",
                "--audit-file",
                state.resolve("audit.jsonl").toString())) {
            Map<String, String> env = libpqEnvironment(local);
            PsqlClient psql = new PsqlClient(env);
            PgjdbcClient pgjdbc = new PgjdbcClient(local);
            try (McpStdioClient mcp = new McpStdioClient(tools.node(
                    env,
                    "node_modules/@modelcontextprotocol/server-postgres/dist/index.js",
                    "postgresql://agent@" + local.host() + ":" + local.port() + "/" + local.database()))) {
                long mcpPid = new McpChecks(mcp, state)
                        .beforeExpiry((f, ok, d) -> matrix.put("mcp-server-postgres", f, ok, d));
                psql.all((f, ok, d) -> matrix.put("psql", f, ok, d));
                pgjdbc.all((f, ok, d) -> matrix.put("pgjdbc", f, ok, d));
                script(matrix, "node-postgres", tools.node(env, "node-postgres.mjs", "all"));
                script(matrix, "postgres.js", tools.node(env, "postgres-js.mjs", "all"));
                script(matrix, "psycopg2", tools.python(env, "psycopg2-client.py", "all"));

                expiry = awaitFirstTokenRefused(local, began);

                psql.reconnect((f, ok, d) -> matrix.put("psql", f, ok, d));
                pgjdbc.reconnect((f, ok, d) -> matrix.put("pgjdbc", f, ok, d));
                script(matrix, "node-postgres", tools.node(env, "node-postgres.mjs", "reconnect"));
                script(matrix, "postgres.js", tools.node(env, "postgres-js.mjs", "reconnect"));
                script(matrix, "psycopg2", tools.python(env, "psycopg2-client.py", "reconnect"));
                new McpChecks(mcp, state)
                        .afterExpiry(mcpPid, (f, ok, d) -> matrix.put("mcp-server-postgres", f, ok, d));
            }
        }
        String report = "Client matrix through pgwarden local ("
                + Duration.ofNanos(System.nanoTime() - began).toSeconds() + " s). " + expiry + "\n\n" + matrix.render();
        System.out.println(report);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "client-matrix.txt"), report);
        assertThat(matrix.failures()).as(report).isEmpty();
    }

    /** What libpq reads, and nothing else of the machine's PG* settings: no password anywhere. */
    private static Map<String, String> libpqEnvironment(LocalProcess local) {
        Map<String, String> env = new LinkedHashMap<>();
        System.getenv().forEach((k, v) -> {
            if (!k.startsWith("PG")) {
                env.put(k, v);
            }
        });
        env.put("PGHOST", local.host());
        env.put("PGPORT", String.valueOf(local.port()));
        env.put("PGUSER", LocalPgpass.USER);
        env.put("PGDATABASE", local.database());
        env.put("PGPASSFILE", local.pgpassFile().toString());
        env.put("PGCONNECT_TIMEOUT", "10");
        return env;
    }

    /**
     * Waits until pgwarden refuses the token printed at the start as expired (it lives 5 s, and
     * verification allows 60 s of clock skew), so that every later connection is known to use a
     * token the password file got afterwards.
     */
    private static String awaitFirstTokenRefused(LocalProcess local, long began) throws Exception {
        java.net.URI uri = java.net.URI.create(local.url());
        Properties p = new Properties();
        p.setProperty("user", "agent");
        p.setProperty("password", uri.getUserInfo().split(":", 2)[1]);
        String jdbc = "jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + uri.getPath();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            try {
                DriverManager.getConnection(jdbc, p).close();
            } catch (SQLException e) {
                assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("28P01");
                assertThat(e.getMessage()).contains("expired");
                return "The token printed at the start was refused as expired after "
                        + Duration.ofNanos(System.nanoTime() - began).toSeconds() + " s (28P01); the checks after that"
                        + " connected with a token the password file got since.";
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("the first token was still accepted after 120 s");
    }

    /** Runs a client script and puts each JSON line it prints into the matrix. */
    private static void script(ClientMatrix matrix, String client, ProcessBuilder command) throws Exception {
        Process process = command.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        String out = read(process.getInputStream());
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        List<String> unreadable = new ArrayList<>();
        for (String line : out.lines().toList()) {
            try {
                JsonNode cell = JSON.readTree(line);
                matrix.put(
                        client,
                        cell.path("feature").asText(),
                        cell.path("ok").asBoolean(),
                        cell.path("detail").asText());
            } catch (IOException e) {
                unreadable.add(line);
            }
        }
        if (process.exitValue() != 0 || !unreadable.isEmpty()) {
            System.out.println(client + " exited with " + process.exitValue() + "; other output: " + unreadable
                    + "; stderr:\n" + err.get(10, TimeUnit.SECONDS));
        }
    }

    static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static Set<String> plus(Set<String> base, String... more) {
        Set<String> all = new java.util.LinkedHashSet<>(base);
        all.addAll(List.of(more));
        return all;
    }
}
