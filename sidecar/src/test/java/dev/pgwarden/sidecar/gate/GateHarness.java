package dev.pgwarden.sidecar.gate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.policy.Durations;
import dev.pgwarden.api.policy.InvalidPolicyException;
import dev.pgwarden.api.policy.PolicyLoader;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.api.v1alpha1.ApprovalMode;
import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.SslMode;
import dev.pgwarden.sidecar.approval.LocalApprovalGate;
import dev.pgwarden.sidecar.audit.AuditEvent;
import dev.pgwarden.sidecar.audit.AuditSink;
import dev.pgwarden.sidecar.audit.StatementAudited;
import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.exchange.ResultMasking;
import dev.pgwarden.sidecar.exchange.SessionAudit;
import dev.pgwarden.sidecar.exchange.SessionObjects;
import dev.pgwarden.sidecar.masking.MaskingEngine;
import dev.pgwarden.sidecar.masking.plan.MaskRules;
import dev.pgwarden.sidecar.ops.ProxyMetrics;
import dev.pgwarden.sidecar.policy.StatementPolicy;
import dev.pgwarden.sidecar.policy.live.LivePolicy;
import dev.pgwarden.sidecar.policy.live.PolicyVersion;
import dev.pgwarden.sidecar.protocol.Frames;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.message.RowDescription;
import dev.pgwarden.sidecar.sql.ClassifierPool;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One session's gate and exchange with everything around them real except the network: the
 * classifier pool, the policy as its YAML loads, the local approval gate, the session audit into
 * a list. It stands in for the session: it records what goes to the server (decoded), the notices
 * for the client and the pauses of reading, and runs what other threads hand back to the event
 * loop on the test's thread, so a test decides when a completion arrives.
 */
final class GateHarness implements GateOutput, AutoCloseable {
    /** The rules of the sample policy in ReadWrite mode, with onUnparseable and the approval mode to fill in. */
    static final String SAMPLE = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: gate-unit}
      spec:
        access: {mode: %s}
        rules:
          - name: destructive-ddl
            statements: [DROP, TRUNCATE, ALTER]
            action: RequireApproval
          - name: unbounded-writes
            statements: [UPDATE, DELETE]
            withoutWhere: true
            action: RequireApproval
          - name: privileges
            statements: [GRANT, REVOKE, CREATE_ROLE, ALTER_ROLE, DROP_ROLE]
            action: Deny
        defaultAction: Allow
        onUnparseable: %s
        approval: {mode: %s, timeout: 10m}
      %s""";

    static String policy(String accessMode, String onUnparseable, String approvalMode) {
        return SAMPLE.formatted(accessMode, onUnparseable, approvalMode, "");
    }

    static String readWrite() {
        return policy("ReadWrite", "Deny", "Wait");
    }

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** What the session is given to build a harness. */
    static final class Options {
        String yaml = readWrite();
        ClassifierPool classifier;
        MaskingEngine masking;
        Clock clock = Clock.systemUTC();
    }

    final ClassifierPool classifier;
    private final boolean ownsClassifier;
    final LocalApprovalGate approvals = new LocalApprovalGate(Clock.systemUTC());
    final LivePolicy live;
    final List<AuditEvent> audit = new ArrayList<>();
    final List<Frames.Msg> toServer = new ArrayList<>();
    final List<Frames.Msg> notices = new ArrayList<>();
    final List<Boolean> pauses = new ArrayList<>();
    final List<Throwable> failures = new ArrayList<>();
    final List<Frames.Msg> terminated = new ArrayList<>();
    final BlockingQueue<Runnable> loop = new LinkedBlockingQueue<>();
    final Exchange exchange;
    final StatementGate gate;
    private final MaskingEngine masking;
    /** Why statements cannot be recorded now (the audit's answer), or null. */
    volatile String recordingProblem;

    private boolean paused;

    GateHarness() {
        this(new Options());
    }

    GateHarness(String yaml) {
        this(options(yaml));
    }

    static Options options(String yaml) {
        Options o = new Options();
        o.yaml = yaml;
        return o;
    }

    GateHarness(Options o) {
        ownsClassifier = o.classifier == null;
        classifier = o.classifier == null ? new ClassifierPool(2, 64, Duration.ofSeconds(5), 1000) : o.classifier;
        DatabaseAccessPolicy policy = load(o.yaml);
        masking = o.masking == null ? MaskingEngine.disabled() : o.masking;
        var approval = policy.getSpec().approval();
        PolicyVersion version = new PolicyVersion(
                1,
                policy,
                new StatementPolicy(policy.getSpec()),
                masking,
                null,
                approval == null || approval.mode() == null ? ApprovalMode.Wait : approval.mode(),
                approval == null || approval.timeout() == null
                        ? PolicyVersion.DEFAULT_APPROVAL_TIMEOUT
                        : Durations.parse(approval.timeout()),
                policy.getSpec().auditFailClosed(),
                dev.pgwarden.api.policy.SessionLimits.of(policy.getSpec().limits()));
        live = new LivePolicy(version, new SimpleMeterRegistry());
        PolicyPin pin = new PolicyPin(live);
        AuditSink sink = new AuditSink() {
            @Override
            public void emit(AuditEvent event) {
                audit.add(event);
            }

            @Override
            public void close() {}
        };
        SessionAudit sessionAudit = new SessionAudit(
                sink,
                new ProxyMetrics(new SimpleMeterRegistry()),
                "s-1",
                "tester",
                version.name(),
                "app",
                () -> pin.version().masking().enabled());
        ByteBufAllocator alloc = alloc();
        exchange = new Exchange(sessionAudit, new SessionObjects(), new ResultMasking(masking, alloc), alloc);
        GateContext context = new GateContext(
                pin,
                classifier,
                approvals,
                new ApprovalSubject("https://issuer.test", "tester", null, null),
                "s-1",
                o.clock,
                () -> recordingProblem,
                null);
        gate = new StatementGate(context, exchange, this);
    }

    static DatabaseAccessPolicy load(String yaml) {
        try {
            return new PolicyLoader(PolicyValidator.Use.LOCAL).parse(yaml, "test");
        } catch (InvalidPolicyException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Masking rules whose catalog lives at a loopback port nothing listens on: it can never be read. */
    static MaskingEngine unreadableCatalog(String yaml) {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DatabaseAccessPolicy policy = load(yaml);
        try {
            return MaskingEngine.start(
                    MaskRules.of(policy.getSpec().maskingOrEmpty()),
                    policy.getMetadata().getName(),
                    null,
                    new UpstreamConfig("127.0.0.1", port, "app", "nobody", "nothing", SslMode.DISABLE, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- the client's side

    /** The client's frames arrive in one read. */
    GateHarness client(byte[]... frames) {
        gate.offer(Frames.batch(frames));
        sessionGoesOn();
        return this;
    }

    /** The gate ended the session ({@link #failed}): no test expects that, so it fails the test. */
    private void sessionGoesOn() {
        if (!failures.isEmpty()) {
            throw new AssertionError("the gate ended the session", failures.get(0));
        }
    }

    /** Runs what comes back to the event loop until reading is no longer paused (a decision made). */
    GateHarness settle() {
        return until(() -> !paused, "the gate to stop pausing");
    }

    /** Runs what comes back to the event loop until {@code done}; fails after 10 s. */
    GateHarness until(BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            Runnable task;
            try {
                task = loop.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            if (task == null) {
                throw new AssertionError("waited 10 s for " + what + "; sent so far: " + toServer);
            }
            task.run();
            sessionGoesOn();
        }
        return this;
    }

    /** Runs what is queued for the event loop now, waiting for nothing. */
    GateHarness runQueued() {
        Runnable task;
        while ((task = loop.poll()) != null) {
            task.run();
        }
        return this;
    }

    boolean paused() {
        return paused;
    }

    /** Queries the server received, in order. */
    List<String> queriesSent() {
        return toServer.stream()
                .filter(m -> m.type() == 'Q')
                .map(Frames.Msg::text)
                .toList();
    }

    /** The types of the messages the server received, in order, as one string ("PBES"). */
    String typesSent() {
        StringBuilder b = new StringBuilder();
        toServer.forEach(m -> b.append(m.type()));
        return b.toString();
    }

    // ---------------------------------------------------------------- the server's side

    /**
     * The server's answers, as the server relay hands them to the exchange.
     *
     * @return what the client gets, in order
     */
    List<Frames.Msg> server(byte[]... frames) {
        List<Frames.Msg> toClient = new ArrayList<>();
        for (byte[] frame : frames) {
            PgMessage m = Frames.message(frame);
            RowDescription d = m.type() == ProtocolCodes.ROW_DESCRIPTION
                            && exchange.masking().enabled()
                    ? RowDescription.read(m.body())
                    : null;
            ByteBuf replacement = exchange.fromServer(m, d);
            if (replacement == null) {
                toClient.add(new Frames.Msg((char) frame[0], java.util.Arrays.copyOfRange(frame, 5, frame.length)));
            } else if (replacement != Exchange.DROP) {
                toClient.addAll(Frames.decode(replacement));
            }
            m.frame().release();
        }
        return toClient;
    }

    // ---------------------------------------------------------------- the audit

    List<StatementAudited> statements() {
        return audit.stream()
                .filter(StatementAudited.class::isInstance)
                .map(StatementAudited.class::cast)
                .toList();
    }

    StatementAudited onlyStatement() {
        assertThat(statements()).hasSize(1);
        return statements().get(0);
    }

    // ---------------------------------------------------------------- GateOutput

    @Override
    public void toServer(ByteBuf bytes) {
        toServer.addAll(Frames.decode(bytes));
    }

    @Override
    public void terminate(ByteBuf lastBytes) {
        terminated.addAll(Frames.decode(lastBytes));
    }

    @Override
    public void notice(ByteBuf notice) {
        notices.addAll(Frames.decode(notice));
    }

    /** What pgwarden sent the client on its own (a trial run's held answers). */
    final List<Frames.Msg> sentToClient = new ArrayList<>();

    @Override
    public void toClient(ByteBuf bytes) {
        sentToClient.addAll(Frames.decode(bytes));
    }

    @Override
    public void pauseReading(boolean paused) {
        this.paused = paused;
        pauses.add(paused);
    }

    @Override
    public void onLoop(Runnable task) {
        loop.add(task);
    }

    @Override
    public ByteBufAllocator alloc() {
        return UnpooledByteBufAllocator.DEFAULT;
    }

    @Override
    public void failed(Throwable t) {
        failures.add(t);
    }

    @Override
    public void close() {
        gate.close();
        approvals.close();
        if (ownsClassifier) {
            classifier.close();
        }
        if (masking.enabled()) {
            masking.close();
        }
    }
}
