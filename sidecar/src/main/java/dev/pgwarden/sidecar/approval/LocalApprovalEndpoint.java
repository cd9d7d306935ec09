package dev.pgwarden.sidecar.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The loopback HTTP endpoint through which {@code pgwarden approvals}, {@code approve} and
 * {@code deny} reach the local gate. Every request must carry a random bearer secret that
 * {@code pgwarden local} writes to a file only the local user can read, so other users of the
 * machine cannot decide requests.
 *
 * <pre>
 * GET  /approvals                   every request, newest first
 * POST /approvals/NAME/approve      {"reviewer": "...", "comment": "..."}
 * POST /approvals/NAME/deny         same body
 * </pre>
 */
public final class LocalApprovalEndpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final LocalApprovalGate gate;
    private final String secret;

    private LocalApprovalEndpoint(HttpServer server, LocalApprovalGate gate, String secret) {
        this.server = server;
        this.gate = gate;
        this.secret = secret;
    }

    public static LocalApprovalEndpoint start(LocalApprovalGate gate) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        LocalApprovalEndpoint endpoint =
                new LocalApprovalEndpoint(server, gate, HexFormat.of().formatHex(random));
        server.createContext("/approvals", endpoint::handle);
        server.start();
        return endpoint;
    }

    public String url() {
        InetSocketAddress a = server.getAddress();
        return "http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/approvals";
    }

    public String secret() {
        return secret;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth == null
                    || !MessageDigest.isEqual(
                            auth.getBytes(StandardCharsets.UTF_8),
                            ("Bearer " + secret).getBytes(StandardCharsets.UTF_8))) {
                respond(ex, 401, error("missing or wrong secret: run this as the user who started pgwarden local"));
                return;
            }
            String[] path = ex.getRequestURI().getPath().split("/");
            if (ex.getRequestMethod().equals("GET") && path.length == 2) {
                respond(ex, 200, list());
            } else if (ex.getRequestMethod().equals("POST")
                    && path.length == 4
                    && (path[3].equals("approve") || path[3].equals("deny"))) {
                JsonNode body = JSON.readTree(ex.getRequestBody());
                String reviewer = body.path("reviewer").asText("local user");
                String comment =
                        body.hasNonNull("comment") ? body.get("comment").asText() : null;
                LocalApprovalGate.Entry e = gate.find(path[2]);
                if (e == null) {
                    respond(
                            ex,
                            404,
                            error("no approval request named " + path[2] + "; `pgwarden approvals` lists them"));
                } else if (!gate.decide(path[2], path[3].equals("approve"), reviewer, comment)) {
                    respond(
                            ex,
                            409,
                            error(path[2] + " is already " + e.phase() + "; only pending requests can be decided"));
                } else {
                    respond(ex, 200, entry(gate.find(path[2])));
                }
            } else {
                respond(
                        ex,
                        404,
                        error("unknown request " + ex.getRequestMethod() + " "
                                + ex.getRequestURI().getPath()));
            }
        }
    }

    private ArrayNode list() {
        ArrayNode out = JSON.createArrayNode();
        gate.list().forEach(e -> out.add(entry(e)));
        return out;
    }

    private static ObjectNode entry(LocalApprovalGate.Entry e) {
        ApprovalRequest r = e.request();
        ObjectNode n = JSON.createObjectNode()
                .put("name", e.name())
                .put("phase", e.phase())
                .put("created", e.created().toString())
                .put("expiresAt", r.expiresAt().toString())
                .put("policy", r.policy())
                .put("rule", r.rule())
                .put("reason", r.reason())
                .put("subject", r.subject().subject())
                .put("session", r.session())
                .put("statement", r.statement())
                .put("fingerprint", r.fingerprint());
        ArrayNode params = n.putArray("parameters");
        r.parameters().forEach(params::add);
        if (r.rowsChanged() != null) {
            n.put("rowsChanged", r.rowsChanged());
        }
        if (!r.estimates().isEmpty()) {
            n.set("estimates", JSON.valueToTree(r.estimates()));
        }
        if (r.agentReason() != null) {
            n.put("agentReason", r.agentReason());
        }
        if (e.reviewer() != null) {
            n.put("reviewer", e.reviewer());
        }
        if (e.comment() != null) {
            n.put("comment", e.comment());
        }
        return n;
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    private static void respond(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
