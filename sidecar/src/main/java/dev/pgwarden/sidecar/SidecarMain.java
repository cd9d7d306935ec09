package dev.pgwarden.sidecar;

import dev.pgwarden.api.policy.Durations;
import dev.pgwarden.api.policy.PolicyLoader;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.Recording;
import dev.pgwarden.api.v1alpha1.S3Target;
import dev.pgwarden.sidecar.approval.ApprovalGate;
import dev.pgwarden.sidecar.approval.KubernetesApprovalGate;
import dev.pgwarden.sidecar.audit.JsonLinesAuditSink;
import dev.pgwarden.sidecar.identity.ServiceAccountRetriever;
import dev.pgwarden.sidecar.pgpass.PgpassKeeper;
import dev.pgwarden.sidecar.policy.live.PolicyDirectory;
import dev.pgwarden.sidecar.recording.ObjectStore;
import dev.pgwarden.sidecar.recording.Recorder;
import dev.pgwarden.sidecar.recording.S3Store;
import dev.pgwarden.sidecar.recording.StoreCredentials;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import dev.pgwarden.sidecar.upstream.UpstreamUrl;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The sidecar process: one proxy, its ops endpoint, audit on stdout. */
@Command(
        name = "pgwarden-sidecar",
        mixinStandardHelpOptions = true,
        description =
                "Governs an agent's PostgreSQL connections: token identity, policy, masking, chained audit, session recording.")
public final class SidecarMain implements Callable<Integer> {
    @Option(names = "--policy", description = "DatabaseAccessPolicy YAML file (with --upstream; read once).")
    Path policyFile;

    @Option(
            names = "--upstream",
            description = "postgresql://user[:password]@host:port/db[?sslmode=...] (with --policy)")
    String upstreamUrl;

    @Option(
            names = "--policy-dir",
            description = "In a cluster, instead of --policy and --upstream: the mounted policy"
                    + " Secret (policy.yaml, username, password, expiresAt). The database is the policy's spec.database, the role"
                    + " the one in the files; changes are applied while running.")
    Path policyDir;

    @Option(
            names = "--service-account-dir",
            defaultValue = "/var/run/secrets/kubernetes.io/serviceaccount",
            description =
                    "The pod's API credentials (token, ca.crt): when present, the cluster's signing keys are fetched"
                            + " from the API server with them. Default ${DEFAULT-VALUE}.")
    Path serviceAccountDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--upstream-password-file",
            description = "File holding the upstream role's password (keeps it out of argv).")
    Path upstreamPasswordFile;

    @Option(
            names = "--listen",
            defaultValue = "127.0.0.1:5432",
            description = "Address agents connect to. Default ${DEFAULT-VALUE}.")
    String listen;

    @Option(
            names = "--admin-listen",
            defaultValue = "0.0.0.0:9187",
            description = "Health, readiness and metrics. Default ${DEFAULT-VALUE}.")
    String adminListen;

    @Option(names = "--kubernetes-issuer", description = "Issuer of the cluster's service-account tokens.")
    String kubernetesIssuer;

    @Option(
            names = "--kubernetes-jwks-uri",
            description = "JWKS URL of the cluster's service-account issuer (default: "
                    + ServiceAccountRetriever.IN_CLUSTER_JWKS_URI
                    + " when --service-account-dir holds a token and ca.crt, else discovery).")
    String kubernetesJwksUri;

    @Option(names = "--tls-cert", description = "PEM certificate chain: answer SSLRequest with TLS.")
    Path tlsCert;

    @Option(names = "--tls-key", description = "PEM PKCS#8 private key for --tls-cert.")
    Path tlsKey;

    @Option(
            names = "--approvals",
            defaultValue = "kubernetes",
            description = "Where held statements go: kubernetes (QueryApproval objects in the pod's namespace) or none"
                    + " (statements that need approval are refused). Default ${DEFAULT-VALUE}.")
    String approvals;

    @Option(
            names = "--namespace",
            defaultValue = "${env:POD_NAMESPACE}",
            description =
                    "Namespace for QueryApprovals. Default: $POD_NAMESPACE, else the service account's namespace.")
    String namespace;

    @Option(
            names = "--pod-name",
            defaultValue = "${env:POD_NAME}",
            description = "This pod's name. Default: $POD_NAME, else the host name.")
    String podName;

    @Option(
            names = "--max-message-size",
            defaultValue = "67108864",
            description = "Largest Query/Parse/Bind in bytes. Default ${DEFAULT-VALUE}.")
    int maxMessageSize;

    @Option(
            names = "--mask-key-file",
            description = "Secret (32+ random bytes) the policy's hash masking is keyed with;"
                    + " required when a masking rule uses hash. Mount it from a Secret.")
    Path maskKeyFile;

    @Option(
            names = "--audit-key-file",
            required = true,
            description =
                    "Secret (32+ random bytes) the audit chain's HMAC"
                            + " is keyed with; `pgwarden audit verify` needs the same file. Mount it from a Secret the agent cannot read.")
    Path auditKeyFile;

    @Option(
            names = "--spool-dir",
            defaultValue = "/var/run/pgwarden/spool",
            description = "Where recording parts wait for"
                    + " upload; parts a crash leaves here are uploaded at the next start. Default ${DEFAULT-VALUE}.")
    Path spoolDir;

    @Option(
            names = "--spool-max-bytes",
            defaultValue = "1073741824",
            description = "Spool size beyond which statements"
                    + " are refused (audit.failClosed) until the store catches up. Default ${DEFAULT-VALUE}.")
    long spoolMaxBytes;

    @Option(
            names = "--flush-timeout",
            defaultValue = "20s",
            description =
                    "How long shutdown waits for the store to take" + " the last parts. Default ${DEFAULT-VALUE}.")
    String flushTimeout;

    @Option(
            names = "--s3-credentials-dir",
            description = "Mounted Secret with files AWS_ACCESS_KEY_ID and"
                    + " AWS_SECRET_ACCESS_KEY for the policy's recording.s3 (default: those environment variables).")
    Path s3CredentialsDir;

    @Option(
            names = "--pgpass-file",
            description =
                    "Keep a libpq password file here (mode 0600) giving the agent's"
                            + " current token (--token-file) as the password for --listen, so clients need no credential of their own.")
    Path pgpassFile;

    @Option(
            names = "--token-file",
            defaultValue = "/var/run/secrets/pgwarden/token",
            description =
                    "The agent's"
                            + " projected token, read again whenever the kubelet renews it (with --pgpass-file). Default ${DEFAULT-VALUE}.")
    Path tokenFile;

    @Mixin
    RelayOptions relay = new RelayOptions();

    /** The policy's recording store, or null when the policy records to no store (audit on stdout only). */
    private ObjectStore recordingStore(DatabaseAccessPolicy policy) throws java.io.IOException {
        Recording recording = policy.getSpec().recording();
        if (recording == null || recording.s3() == null) {
            return null;
        }
        S3Target s3 = recording.s3();
        StoreCredentials credentials = StoreCredentials.load(s3CredentialsDir, System.getenv());
        return new S3Store(
                s3.bucket(),
                s3.endpoint() == null ? null : java.net.URI.create(s3.endpoint()),
                s3.region(),
                credentials.accessKeyId(),
                credentials.secretAccessKey());
    }

    private String host() throws java.io.IOException {
        return podName == null || podName.isBlank()
                ? java.net.InetAddress.getLocalHost().getHostName()
                : podName;
    }

    /** The Fabric8 client reads the in-cluster service account (token, CA, API server) by itself. */
    private ApprovalGate approvalGate() throws java.io.IOException {
        if (approvals.equals("none")) {
            return null;
        }
        if (!approvals.equals("kubernetes")) {
            throw new IllegalArgumentException("--approvals must be kubernetes or none, not " + approvals);
        }
        String ns = namespace;
        Path saNamespace = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");
        if ((ns == null || ns.isBlank()) && Files.isReadable(saNamespace)) {
            ns = Files.readString(saNamespace).strip();
        }
        if (ns == null || ns.isBlank()) {
            throw new IllegalArgumentException(
                    "--approvals kubernetes needs a namespace: set --namespace or POD_NAMESPACE,"
                            + " or use --approvals none");
        }
        return new KubernetesApprovalGate(new KubernetesClientBuilder().build(), ns, host());
    }

    /** Exactly one way to say where the policy and the database are. */
    private void checkPolicySource() {
        boolean fixed = policyFile != null || upstreamUrl != null;
        if (policyDir != null && fixed) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "give either --policy-dir (in a cluster) or --policy with --upstream, not both");
        }
        if (policyDir == null && (policyFile == null || upstreamUrl == null)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    policyFile == null && upstreamUrl == null
                            ? "say where the policy is: --policy-dir DIR (the mounted policy Secret), or --policy FILE with --upstream URL"
                            : policyFile == null
                                    ? "--upstream needs --policy FILE (or use --policy-dir DIR instead of both)"
                                    : "--policy needs --upstream URL (or use --policy-dir DIR instead of both)");
        }
    }

    @Override
    public Integer call() throws Exception {
        long began = System.nanoTime();
        checkPolicySource();
        DatabaseAccessPolicy policy;
        UpstreamConfig upstream;
        if (policyDir != null) {
            PolicyDirectory dir = new PolicyDirectory(policyDir);
            PolicyDirectory.Contents contents = dir.read();
            policy = dir.policy(contents);
            upstream = dir.upstream(policy.getSpec().database(), contents);
        } else {
            policy = new PolicyLoader(PolicyValidator.Use.LOCAL).load(policyFile);
            String password = upstreamPasswordFile == null
                    ? System.getenv("PGWARDEN_UPSTREAM_PASSWORD")
                    : Files.readString(upstreamPasswordFile).strip();
            upstream = UpstreamUrl.parse(upstreamUrl, password);
        }
        String jwksUri = kubernetesJwksUri;
        if (jwksUri == null && kubernetesIssuer != null && ServiceAccountRetriever.available(serviceAccountDir)) {
            // In a pod the issuer's discovery document is on the API server too, behind the same
            // authentication: going straight to the API server's JWKS needs one authenticated fetch.
            jwksUri = ServiceAccountRetriever.IN_CLUSTER_JWKS_URI;
        }
        ApprovalGate approvalGate = approvalGate();
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        S3Target s3 = policy.getSpec().recording() == null
                ? null
                : policy.getSpec().recording().s3();
        JsonLinesAuditSink audit = AuditOutputs.open(
                new FileOutputStream(FileDescriptor.out),
                auditKeyFile,
                host(),
                recordingStore(policy),
                Recorder.Settings.defaults(spoolDir, s3 == null ? "" : s3.prefix())
                        .withMaxSpoolBytes(spoolMaxBytes)
                        .withFlushTimeout(Durations.parse(flushTimeout)),
                metrics);
        Gateway gateway;
        try {
            gateway = Gateway.start(
                    ProxyConfig.builder()
                            .listen(Addresses.parse(listen))
                            .policy(policy)
                            .upstream(upstream)
                            .audit(audit)
                            .kubernetesIssuer(kubernetesIssuer)
                            .kubernetesJwksUri(jwksUri)
                            .serviceAccountDir(serviceAccountDir)
                            .tlsCertificate(tlsCert)
                            .tlsKey(tlsKey)
                            .maxMessageSize(maxMessageSize)
                            .relay(relay)
                            .metrics(metrics)
                            .approvals(approvalGate)
                            .maskKeyFile(maskKeyFile)
                            .policyDir(policyDir)
                            .build(),
                    Addresses.parse(adminListen));
        } catch (Exception e) {
            audit.close();
            throw e;
        }
        if (approvalGate != null) {
            gateway.closeAfterwards(approvalGate);
        }
        if (pgpassFile != null) {
            gateway.closeAfterwards(PgpassKeeper.start(
                    pgpassFile,
                    gateway.proxy().address(),
                    PgpassKeeper.tokenFile(tokenFile),
                    PgpassKeeper.DEFAULT_PERIOD,
                    System.err));
        }
        System.err.printf(
                "pgwarden-sidecar ready in %d ms: listening on %s, ops on %s, policy %s%s%n",
                Duration.ofNanos(System.nanoTime() - began).toMillis(),
                gateway.proxy().address(),
                gateway.ops().address(),
                policy.getMetadata().getName(),
                policyDir == null ? "" : " (watching " + policyDir + " for changes)");
        gateway.runUntilShutdown();
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SidecarMain()).execute(args));
    }
}
