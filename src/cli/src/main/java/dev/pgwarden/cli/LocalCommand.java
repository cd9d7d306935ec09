package dev.pgwarden.cli;

import dev.pgwarden.api.policy.Durations;
import dev.pgwarden.api.policy.PolicyLoader;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.SslMode;
import dev.pgwarden.sidecar.Addresses;
import dev.pgwarden.sidecar.AuditOutputs;
import dev.pgwarden.sidecar.Gateway;
import dev.pgwarden.sidecar.ProxyConfig;
import dev.pgwarden.sidecar.RelayOptions;
import dev.pgwarden.sidecar.approval.LocalApprovalEndpoint;
import dev.pgwarden.sidecar.approval.LocalApprovalGate;
import dev.pgwarden.sidecar.audit.JsonLinesAuditSink;
import dev.pgwarden.sidecar.identity.AcceptedSubject;
import dev.pgwarden.sidecar.identity.LocalIssuer;
import dev.pgwarden.sidecar.recording.DirectoryStore;
import dev.pgwarden.sidecar.recording.Recorder;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import dev.pgwarden.sidecar.upstream.UpstreamUrl;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code pgwarden local}: the sidecar engine on this machine, in front of an embedded PostgreSQL
 * with demo data (or any database given with --upstream), with a loopback token issuer.
 */
@Command(
        name = "local",
        mixinStandardHelpOptions = true,
        description = "Run pgwarden on this machine in front of an embedded PostgreSQL with demo data.")
public final class LocalCommand implements Callable<Integer> {
    static final String SAMPLE_POLICY = "local-policy.yaml";

    @Option(names = "--policy", description = "DatabaseAccessPolicy YAML file. Default: the bundled local sample.")
    Path policyFile;

    @Option(
            names = "--upstream",
            description = "postgresql://user:password@host:port/db to govern instead of the embedded database.")
    String upstreamUrl;

    @Option(
            names = "--listen",
            defaultValue = "127.0.0.1:6543",
            description = "Where agents connect. Default ${DEFAULT-VALUE}.")
    String listen;

    @Option(
            names = "--admin-listen",
            defaultValue = "127.0.0.1:9187",
            description = "Health and metrics. Default ${DEFAULT-VALUE}.")
    String adminListen;

    @Option(names = "--audit-file", description = "Append audit JSON lines here instead of stdout.")
    Path auditFile;

    @Option(
            names = "--state-dir",
            description = "Where to leave the issuer key for `pgwarden token`. Default ~/.pgwarden/local.")
    Path stateDir;

    @Option(
            names = "--token-ttl",
            defaultValue = "8h",
            description = "Lifetime of the printed token. Default ${DEFAULT-VALUE}.")
    String tokenTtl;

    @Option(
            names = "--mask-key-file",
            description = "Secret the policy's hash masking is keyed with."
                    + " Default: mask.key in the state directory, created with 32 random bytes on first use.")
    Path maskKeyFile;

    @Mixin
    RelayOptions relay = new RelayOptions();

    @Option(
            names = "--audit-key-file",
            description = "Secret the audit chain is keyed with (`pgwarden audit verify`"
                    + " needs it). Default: audit.key in the state directory, created on first use.")
    Path auditKeyFile;

    @Option(
            names = "--recordings",
            description = "Record every session as gzip JSON-lines parts in this directory"
                    + " (the layout of the S3 store); read them with `pgwarden replay DIR`.")
    Path recordings;

    private Path stateDirectory() {
        return stateDir == null ? LocalState.defaultDirectory() : stateDir;
    }

    /** The hashing key survives restarts, so hashed values stay joinable across local sessions. */
    private Path maskKey() throws java.io.IOException {
        return maskKeyFile != null ? maskKeyFile : secretFile("mask.key");
    }

    /** The audit key survives restarts, so earlier recordings still verify. */
    private Path auditKey() throws java.io.IOException {
        return auditKeyFile != null ? auditKeyFile : secretFile("audit.key");
    }

    private JsonLinesAuditSink audit(OutputStream lines, PrometheusMeterRegistry metrics) throws java.io.IOException {
        DirectoryStore store = recordings == null ? null : new DirectoryStore(recordings);
        return AuditOutputs.open(
                lines,
                auditKey(),
                "local",
                store,
                Recorder.Settings.defaults(stateDirectory().resolve("spool"), ""),
                metrics);
    }

    /** 32 random bytes in the state directory, readable by the owner only. */
    private Path secretFile(String name) throws java.io.IOException {
        Path dir = stateDirectory();
        Path key = dir.resolve(name);
        if (!Files.exists(key)) {
            Files.createDirectories(dir);
            byte[] secret = new byte[32];
            new java.security.SecureRandom().nextBytes(secret);
            Files.write(key, secret, StandardOpenOption.CREATE_NEW);
            try {
                Files.setPosixFilePermissions(
                        key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system: the directory's own permissions apply.
            }
        }
        return key;
    }

    @Override
    public Integer call() throws Exception {
        long began = System.nanoTime();
        PrintStream info = System.err;
        DatabaseAccessPolicy policy = loadPolicy();
        DemoDatabase demo = null;
        UpstreamConfig admin;
        String where;
        if (upstreamUrl != null) {
            admin = UpstreamUrl.parse(upstreamUrl, null);
            where = admin.host() + ":" + admin.port();
        } else {
            info.println("pgwarden: starting embedded PostgreSQL with demo data...");
            demo = DemoDatabase.start(policy.getSpec().access().mode());
            admin = new UpstreamConfig(
                    "127.0.0.1",
                    demo.port(),
                    DemoDatabase.DATABASE,
                    demo.admin().username(),
                    demo.admin().password(),
                    SslMode.DISABLE,
                    null);
            where = "embedded PostgreSQL on 127.0.0.1:" + demo.port();
        }
        // The given login is the admin: the proxy connects as a role minted from it, never as itself.
        LocalRoles roles;
        try {
            roles = LocalRoles.start(
                    admin,
                    policy,
                    Files.readAllBytes(maskKey()),
                    LocalRoles.namespace(stateDirectory()),
                    info,
                    Clock.systemUTC());
        } catch (Exception e) {
            closeQuietly(demo);
            throw e;
        }
        UpstreamConfig upstream = roles.upstream();
        LocalIssuer issuer = null;
        LocalApprovalGate approvals = new LocalApprovalGate(Clock.systemUTC());
        LocalApprovalEndpoint approvalEndpoint = null;
        JsonLinesAuditSink audit = null;
        Gateway gateway;
        try {
            issuer = LocalIssuer.start(null, 0);
            approvalEndpoint = LocalApprovalEndpoint.start(approvals);
            OutputStream auditOut = auditFile == null
                    ? new FileOutputStream(FileDescriptor.out)
                    : Files.newOutputStream(auditFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            audit = audit(auditOut, metrics);
            gateway = Gateway.start(
                    ProxyConfig.builder()
                            .listen(Addresses.parse(listen))
                            .policy(policy)
                            .upstream(upstream)
                            .audit(audit)
                            .extraSubjects(List.of(AcceptedSubject.anyFrom(issuer.issuer(), LocalIssuer.AUDIENCE)))
                            .relay(relay)
                            .metrics(metrics)
                            .approvals(approvals)
                            .maskKeyFile(maskKey())
                            .build(),
                    Addresses.parse(adminListen));
        } catch (Exception e) {
            closeQuietly(audit);
            closeQuietly(approvalEndpoint);
            closeQuietly(approvals);
            closeQuietly(issuer);
            closeQuietly(roles);
            closeQuietly(demo);
            throw e;
        }
        gateway.closeAfterwards(issuer);
        gateway.closeAfterwards(approvalEndpoint);
        gateway.closeAfterwards(approvals);
        if (demo != null) {
            gateway.closeAfterwards(demo);
        }
        // Closed after the proxy and before the database: the roles go while the database still runs.
        gateway.closeAfterwards(roles);
        roles.handOverTo(gateway.proxy()::upstreamLogin);

        InetSocketAddress proxyAddress = gateway.proxy().address();
        LocalState state = new LocalState(
                issuer.issuer(),
                issuer.key(),
                proxyAddress.getAddress().getHostAddress(),
                proxyAddress.getPort(),
                upstream.database(),
                approvalEndpoint.url(),
                approvalEndpoint.secret());
        state.write(stateDir == null ? LocalState.defaultDirectory() : stateDir);
        String url = state.url("agent", issuer.mint("agent", Durations.parse(tokenTtl)));
        var pgpass = LocalPgpass.start(stateDirectory(), issuer, proxyAddress, Durations.parse(tokenTtl), info);
        gateway.closeAfterwards(pgpass);

        InetSocketAddress ops = gateway.opsAddress();
        info.printf(
                "pgwarden: policy %s (%s) governs %s; ready in %d ms%n",
                policy.getMetadata().getName(),
                policy.getSpec().access().mode(),
                where,
                Duration.ofNanos(System.nanoTime() - began).toMillis());
        info.printf(
                "pgwarden: metrics on http://%s:%d/metrics; audit events as JSON lines on %s%n",
                ops.getAddress().getHostAddress(), ops.getPort(), auditFile == null ? "stdout" : auditFile);
        if (recordings != null) {
            info.printf(
                    "pgwarden: sessions recorded in %s; `pgwarden replay %s --list` shows them%n",
                    recordings, recordings);
        }
        System.out.println("PGWARDEN_URL=" + url);
        System.out.println("PGPASSFILE=" + pgpass.file());
        System.out.flush();
        info.println("Try it:");
        info.println("  psql \"" + url + "\" -c 'SELECT name, email FROM customers LIMIT 3'");
        info.println(LocalPgpass.hint(pgpass.file(), proxyAddress, upstream.database()));
        info.println(
                "Statements held for approval: `pgwarden approvals`, then `pgwarden approve NAME` or `pgwarden deny NAME`.");
        info.println("The token expires in " + tokenTtl + "; `pgwarden token --url` prints a fresh URL. Ctrl-C stops.");
        gateway.runUntilShutdown();
        return 0;
    }

    private static void closeQuietly(AutoCloseable resource) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception e) {
            System.err.println("pgwarden: while stopping: " + e.getMessage());
        }
    }

    private DatabaseAccessPolicy loadPolicy() throws Exception {
        PolicyLoader loader = new PolicyLoader(PolicyValidator.Use.LOCAL);
        if (policyFile != null) {
            return loader.load(policyFile);
        }
        try (InputStream in = LocalCommand.class.getResourceAsStream(SAMPLE_POLICY)) {
            if (in == null) {
                throw new IllegalStateException("the bundled sample policy is missing from this build");
            }
            return loader.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "bundled " + SAMPLE_POLICY);
        }
    }
}
