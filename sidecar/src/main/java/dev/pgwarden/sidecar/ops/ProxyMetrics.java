package dev.pgwarden.sidecar.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The proxy's Prometheus metrics. Meters are created once and cached: no registry lookups per message. */
public final class ProxyMetrics {
    private final MeterRegistry registry;
    private final AtomicInteger activeSessions = new AtomicInteger();
    private final Counter sessions;
    private final Counter bytesFromClients;
    private final Counter bytesToClients;
    private final Timer upstreamConnect;
    private final Timer statementDuration;
    private final Map<String, Counter> statements = new ConcurrentHashMap<>();
    private final Map<String, Counter> authFailures = new ConcurrentHashMap<>();

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
        io.micrometer.core.instrument.Gauge.builder("pgwarden.sessions.active", activeSessions, AtomicInteger::get)
                .description("Sessions open now")
                .register(registry);
        sessions = Counter.builder("pgwarden.sessions")
                .description("Authenticated sessions opened")
                .register(registry);
        bytesFromClients = Counter.builder("pgwarden.bytes")
                .description("Protocol bytes relayed")
                .tag("direction", "from_client")
                .baseUnit("bytes")
                .register(registry);
        bytesToClients = Counter.builder("pgwarden.bytes")
                .description("Protocol bytes relayed")
                .tag("direction", "to_client")
                .baseUnit("bytes")
                .register(registry);
        upstreamConnect = Timer.builder("pgwarden.upstream.connect")
                .description("Time to open and authenticate an upstream connection")
                .register(registry);
        statementDuration = Timer.builder("pgwarden.statement.duration")
                .description("Time from relaying a statement to the database's answer")
                .register(registry);
    }

    public void sessionOpened() {
        activeSessions.incrementAndGet();
        sessions.increment();
    }

    public void sessionClosed() {
        activeSessions.decrementAndGet();
    }

    public void statement(String outcome) {
        statements
                .computeIfAbsent(
                        outcome,
                        o -> Counter.builder("pgwarden.statements")
                                .description("Statements audited, by outcome")
                                .tag("outcome", o)
                                .register(registry))
                .increment();
    }

    public void authFailure(String reason) {
        authFailures
                .computeIfAbsent(
                        reason,
                        r -> Counter.builder("pgwarden.auth.failures")
                                .description("Refused tokens, by reason")
                                .tag("reason", r)
                                .register(registry))
                .increment();
    }

    public void bytes(long fromClient, long toClient) {
        if (fromClient > 0) {
            bytesFromClients.increment(fromClient);
        }
        if (toClient > 0) {
            bytesToClients.increment(toClient);
        }
    }

    public void statementDuration(long nanos) {
        statementDuration.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    public void upstreamConnected(Duration took) {
        upstreamConnect.record(took);
    }
}
