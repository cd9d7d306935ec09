package dev.pgwarden.cli;

import static dev.pgwarden.cli.ClientMatrix.check;
import static dev.pgwarden.cli.ClientMatrix.expect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.cli.ClientMatrix.Report;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The MCP PostgreSQL server as an agent's host uses it. Its pool opens connections with a URL that
 * carries no password, so node-postgres takes the token from the password file for each one. Its
 * own read-only mode (BEGIN TRANSACTION READ ONLY) is escaped by ending the transaction inside the
 * query; pgwarden's policy holds what follows for a reviewer, who denies it here.
 */
final class McpChecks {
    private final McpStdioClient mcp;
    private final Path stateDir;

    McpChecks(McpStdioClient mcp, Path stateDir) {
        this.mcp = mcp;
        this.stateDir = stateDir;
    }

    /** @return the backend pid its pool's connection had, or -1 */
    long beforeExpiry(Report report) {
        long[] pid = {-1};
        check(report, "MCP initialize, tools/list", () -> {
            JsonNode init = mcp.request(
                            "initialize",
                            McpStdioClient.object()
                                    .put("protocolVersion", "2024-11-05")
                                    .<com.fasterxml.jackson.databind.node.ObjectNode>set(
                                            "capabilities", McpStdioClient.object())
                                    .set(
                                            "clientInfo",
                                            McpStdioClient.object()
                                                    .put("name", "pgwarden-client-matrix")
                                                    .put("version", "1")))
                    .get(30, TimeUnit.SECONDS);
            expect(init.has("result"), init.toString());
            mcp.notify("notifications/initialized");
            JsonNode tools = mcp.request("tools/list", null).get(30, TimeUnit.SECONDS);
            expect(tools.at("/result/tools/0/name").asText().equals("query"), tools.toString());
            return init.at("/result/serverInfo/name").asText() + " offers the query tool";
        });
        check(report, "connect without password", () -> {
            JsonNode rows = McpStdioClient.rows(
                    mcp.query("select pg_backend_pid() as pid").get(30, TimeUnit.SECONDS));
            pid[0] = rows.path(0).path("pid").asLong();
            return "its pool connected with a URL without password";
        });
        check(report, "MCP tools/call query", () -> {
            JsonNode rows = McpStdioClient.rows(mcp.query("select name, email from customers order by id limit 2")
                    .get(30, TimeUnit.SECONDS));
            expect(rows.path(0).path("email").asText().equals("****@example.com"), rows.toString());
            return rows.size() + " rows, email masked: "
                    + rows.path(0).path("email").asText();
        });
        check(report, "held for approval", () -> {
            CompletableFuture<JsonNode> escape = mcp.query("COMMIT; DROP TABLE orders");
            String name = pendingRequest("DROP TABLE orders");
            var body = new com.fasterxml.jackson.databind.ObjectMapper()
                    .createObjectNode()
                    .put("reviewer", "matrix-reviewer")
                    .put("comment", "the MCP tool is read-only");
            ApprovalsCommand.send(stateDir, "POST", "/" + name + "/deny", body);
            JsonNode answer = escape.get(30, TimeUnit.SECONDS);
            String error = answer.path("error").path("message").asText();
            expect(error.contains("denied approval " + name), answer.toString());
            JsonNode count = McpStdioClient.rows(
                    mcp.query("select count(*)::int as n from orders").get(30, TimeUnit.SECONDS));
            expect(count.path(0).path("n").asInt() == 50, "orders now has " + count);
            return "COMMIT; DROP TABLE orders held as " + name + ", denied; the server answered: " + error;
        });
        return pid[0];
    }

    void afterExpiry(long pidBefore, Report report) {
        check(report, "reconnect after token expiry", () -> {
            JsonNode rows = McpStdioClient.rows(
                    mcp.query("select pg_backend_pid() as pid").get(30, TimeUnit.SECONDS));
            long pid = rows.path(0).path("pid").asLong();
            expect(pid != pidBefore, "still on the connection of backend " + pid);
            return "the running server's pool opened a new connection (backend " + pidBefore + " -> " + pid
                    + ") with the fresh token";
        });
    }

    /** The name of the pending request whose statement contains the text, once the proxy filed it. */
    private String pendingRequest(String statement) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (JsonNode e : ApprovalsCommand.send(stateDir, "GET", "", null)) {
                if (e.path("phase").asText().equals("Pending")
                        && e.path("statement").asText().contains(statement)) {
                    return e.path("name").asText();
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no pending approval request for " + statement + " within 30 s");
    }
}
