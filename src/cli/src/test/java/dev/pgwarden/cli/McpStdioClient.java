package dev.pgwarden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An MCP client over stdio, as an agent's host runs a server: JSON-RPC 2.0 messages, one per line,
 * on the server process's standard input and output. Answers are matched to requests by id, so a
 * request the proxy holds does not stop the others.
 */
final class McpStdioClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Writer in;
    private final Map<Integer, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final StringBuilder stderr = new StringBuilder();

    McpStdioClient(ProcessBuilder server) throws IOException {
        this.process = server.start();
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readAnswers, "mcp-answers");
        reader.setDaemon(true);
        reader.start();
        Thread errors = new Thread(
                () -> {
                    try (BufferedReader err = new BufferedReader(
                            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = err.readLine()) != null) {
                            synchronized (stderr) {
                                stderr.append(line).append('\n');
                            }
                        }
                    } catch (IOException ignored) {
                        // the server ended
                    }
                },
                "mcp-stderr");
        errors.setDaemon(true);
        errors.start();
    }

    private void readAnswers() {
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                JsonNode message = JSON.readTree(line);
                CompletableFuture<JsonNode> answer =
                        message.has("id") ? waiting.remove(message.get("id").asInt()) : null;
                if (answer != null) {
                    answer.complete(message);
                }
            }
        } catch (IOException e) {
            waiting.values().forEach(f -> f.completeExceptionally(e));
        }
        waiting.values()
                .forEach(f -> f.completeExceptionally(
                        new IOException("the MCP server closed its output; stderr:\n" + stderr())));
    }

    /** Sends a request; the future completes with the whole answer (result or error). */
    synchronized CompletableFuture<JsonNode> request(String method, JsonNode params) throws IOException {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        ObjectNode message =
                JSON.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        if (params != null) {
            message.set("params", params);
        }
        send(message);
        return answer.orTimeout(120, TimeUnit.SECONDS);
    }

    synchronized void notify(String method) throws IOException {
        send(JSON.createObjectNode().put("jsonrpc", "2.0").put("method", method));
    }

    /** tools/call of the server's query tool. */
    CompletableFuture<JsonNode> query(String sql) throws IOException {
        ObjectNode params = JSON.createObjectNode().put("name", "query");
        params.putObject("arguments").put("sql", sql);
        return request("tools/call", params);
    }

    /** The rows a successful query call returned (the server answers them as JSON text). */
    static JsonNode rows(JsonNode answer) throws IOException {
        if (!answer.has("result")) {
            throw new IOException("the call failed: " + answer.path("error"));
        }
        return JSON.readTree(answer.at("/result/content/0/text").asText());
    }

    private void send(JsonNode message) throws IOException {
        in.write(JSON.writeValueAsString(message));
        in.write('\n');
        in.flush();
    }

    String stderr() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            in.close();
        } catch (IOException ignored) {
            // already gone
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
