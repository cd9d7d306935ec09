package dev.pgwarden.operator.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The operator's probes and metrics on a plain HTTP port: {@code /healthz} (the process
 * answers), {@code /readyz} (the webhook server listens and the operator's informers are
 * healthy; the reason when not), {@code /metrics} (Prometheus text).
 */
public final class OpsServer implements AutoCloseable {
    private final HttpServer server;

    /** @param readiness null when ready, else why not */
    public static OpsServer start(
            InetSocketAddress address, PrometheusMeterRegistry metrics, Supplier<String> readiness) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        server.createContext("/healthz", exchange -> reply(exchange, 200, "ok\n", "text/plain"));
        server.createContext("/readyz", exchange -> {
            String problem = readiness.get();
            reply(exchange, problem == null ? 200 : 503, problem == null ? "ready\n" : problem + "\n", "text/plain");
        });
        server.createContext(
                "/metrics",
                exchange -> reply(exchange, 200, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8"));
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "pgwarden-ops");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return new OpsServer(server);
    }

    private OpsServer(HttpServer server) {
        this.server = server;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void reply(HttpExchange exchange, int status, String body, String type) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
