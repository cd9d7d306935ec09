package dev.pgwarden.sidecar;

import dev.pgwarden.sidecar.ops.OpsServer;
import io.netty.util.ResourceLeakDetector;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;

/**
 * A running proxy with its ops endpoint and audit sink, started and stopped as one: what the
 * sidecar process and {@code pgwarden local} both run. Stopping closes the listener first, then
 * the ops endpoint, then flushes the audit, so the last events of closing sessions are written.
 */
public final class Gateway implements AutoCloseable {
    private final ProxyServer proxy;
    private final OpsServer ops;
    private final ProxyConfig config;
    private final Deque<AutoCloseable> alsoClose = new ArrayDeque<>();

    private Gateway(ProxyServer proxy, OpsServer ops, ProxyConfig config) {
        this.proxy = proxy;
        this.ops = ops;
        this.config = config;
    }

    public static Gateway start(ProxyConfig config, InetSocketAddress opsAddress) throws Exception {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            // Sampled leak tracking records a stack trace per sampled buffer and wraps it in another
            // type, which costs throughput on the relay path. Tests run with it; production opts in.
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        ProxyServer proxy = ProxyServer.start(config);
        try {
            return new Gateway(proxy, OpsServer.start(opsAddress, config.metrics(), proxy::isReady), config);
        } catch (Exception e) {
            proxy.close();
            throw e;
        }
    }

    public ProxyServer proxy() {
        return proxy;
    }

    public OpsServer ops() {
        return ops;
    }

    /** Where health and metrics are served. */
    public InetSocketAddress opsAddress() {
        return ops.address();
    }

    /** Something to close after the gateway itself, e.g. the database it fronts in local mode. */
    public Gateway closeAfterwards(AutoCloseable resource) {
        alsoClose.push(resource);
        return this;
    }

    /** Blocks until the JVM is asked to stop (SIGTERM, Ctrl-C), closing everything on the way out. */
    public void runUntilShutdown() throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            close();
                            stopped.countDown();
                        },
                        "pgwarden-shutdown"));
        stopped.await();
    }

    @Override
    public void close() {
        proxy.close();
        ops.close();
        config.audit().close();
        while (!alsoClose.isEmpty()) {
            try {
                alsoClose.pop().close();
            } catch (Exception e) {
                System.err.println("pgwarden: while stopping: " + e.getMessage());
            }
        }
    }
}
