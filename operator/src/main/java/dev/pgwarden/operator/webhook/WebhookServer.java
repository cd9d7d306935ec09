package dev.pgwarden.operator.webhook;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.pgwarden.operator.webhook.injection.InjectionSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.webhook.admission.AdmissionController;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The operator's one HTTPS listener for all admission webhooks (contract: port 9443). */
public final class WebhookServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);
    /** The API server caps requests near 3 MiB; anything larger is not a genuine review. */
    public static final int MAX_BODY_BYTES = 3 * 1024 * 1024;

    private static final int THREADS = 8;

    private final HttpsServer server;
    private final ExecutorService executor;

    private WebhookServer(HttpsServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts the webhooks OperatorMain serves.
     *
     * @param address  where to listen, e.g. 0.0.0.0:9443 ({@code --webhook-listen}); port 0 picks one
     * @param tls      the serving certificate, e.g. {@code WebhookTls.sslContext()}, which follows renewals
     * @param client   reads DatabaseAccessPolicies for injection and reviewer checks
     * @param settings the sidecar flags
     */
    public static WebhookServer start(
            InetSocketAddress address, SSLContext tls, KubernetesClient client, InjectionSettings settings)
            throws IOException {
        return start(address, tls, AdmissionRoutes.create(client, settings, Clock.systemUTC()));
    }

    /** Starts a server for the given path → controller routes. */
    public static WebhookServer start(
            InetSocketAddress address, SSLContext tls, Map<String, AdmissionController<?>> routes) throws IOException {
        HttpsServer server = HttpsServer.create(address, 64);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
                parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                params.setSSLParameters(parameters);
            }
        });
        routes.forEach((path, controller) ->
                server.createContext(path, new AdmissionHttpHandler(path, controller, MAX_BODY_BYTES)));
        AtomicInteger count = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, task -> {
            Thread thread = new Thread(task, "pgwarden-webhook-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.start();
        LOG.info("Admission webhooks listening on {} at {}", server.getAddress(), routes.keySet());
        return new WebhookServer(server, executor);
    }

    /** The bound address (with the real port when started on port 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(1);
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
