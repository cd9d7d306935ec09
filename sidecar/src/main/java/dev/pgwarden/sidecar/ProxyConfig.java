package dev.pgwarden.sidecar;

import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.sidecar.approval.ApprovalGate;
import dev.pgwarden.sidecar.audit.AuditSink;
import dev.pgwarden.sidecar.identity.AcceptedSubject;
import dev.pgwarden.sidecar.upstream.Transport;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything one proxy instance needs. Built with {@link #builder()}: the listen address, the
 * policy, the upstream and the audit sink are required, the rest has a default.
 *
 * @param extraSubjects accepted in addition to the policy's (the local issuer in local mode)
 * @param kubernetesIssuer issuer of the cluster's service-account tokens, or null
 * @param tlsCertificate PEM certificate chain for the listener, or null for no client TLS
 * @param maxMessageSize largest Query/Parse/Bind accepted after authentication
 * @param eventLoops threads relaying traffic; each session lives on one of them
 * @param transport socket I/O: io_uring, epoll or NIO
 * @param approvals where statements held for approval go; null refuses them (fail closed)
 * @param maskKeyFile the secret the policy's hash masking is keyed with, or null
 * @param policyDir the mounted policy Secret to watch for new policies and credentials (then
 *     {@code policy} and {@code upstream} are what it held at start), or null for a fixed policy
 * @param serviceAccountDir the pod's API credentials (token, ca.crt): when they exist, the cluster
 *     JWKS ({@code kubernetesJwksUri}) is fetched with them; null never sends them
 */
public record ProxyConfig(
        InetSocketAddress listen,
        DatabaseAccessPolicy policy,
        UpstreamConfig upstream,
        List<AcceptedSubject> extraSubjects,
        String kubernetesIssuer,
        String kubernetesJwksUri,
        Path tlsCertificate,
        Path tlsKey,
        int maxMessageSize,
        Duration authenticationTimeout,
        int eventLoops,
        Transport transport,
        AuditSink audit,
        PrometheusMeterRegistry metrics,
        ApprovalGate approvals,
        Path maskKeyFile,
        Path policyDir,
        Path serviceAccountDir) {

    public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;
    public static final Duration DEFAULT_AUTHENTICATION_TIMEOUT = Duration.ofSeconds(60);
    /**
     * One relay thread: a sidecar serves one agent pod, and on a small CPU budget a single loop
     * wastes fewer cycles on wake-ups than several (measured with bench/gateway.sh).
     */
    public static final int DEFAULT_EVENT_LOOPS = 1;

    /** The builder fills in the defaults; what has none is checked here, so no path skips it. */
    public ProxyConfig {
        Objects.requireNonNull(listen, "the proxy needs an address to listen on");
        Objects.requireNonNull(policy, "the proxy needs a policy");
        Objects.requireNonNull(upstream, "the proxy needs an upstream database");
        Objects.requireNonNull(audit, "the proxy needs an audit sink: it never runs unaudited");
        Objects.requireNonNull(authenticationTimeout, "authenticationTimeout");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(metrics, "metrics");
        extraSubjects = List.copyOf(extraSubjects);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects a {@link ProxyConfig}; every setter returns the builder. */
    public static final class Builder {
        private InetSocketAddress listen;
        private DatabaseAccessPolicy policy;
        private UpstreamConfig upstream;
        private List<AcceptedSubject> extraSubjects = List.of();
        private String kubernetesIssuer;
        private String kubernetesJwksUri;
        private Path tlsCertificate;
        private Path tlsKey;
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private Duration authenticationTimeout = DEFAULT_AUTHENTICATION_TIMEOUT;
        private int eventLoops = DEFAULT_EVENT_LOOPS;
        private Transport transport;
        private AuditSink audit;
        private PrometheusMeterRegistry metrics;
        private ApprovalGate approvals;
        private Path maskKeyFile;
        private Path policyDir;
        private Path serviceAccountDir;

        private Builder() {}

        /** Required. */
        public Builder listen(InetSocketAddress listen) {
            this.listen = listen;
            return this;
        }

        /** Required: the policy to enforce (with {@link #policyDir}, the version read at start). */
        public Builder policy(DatabaseAccessPolicy policy) {
            this.policy = policy;
            return this;
        }

        /** Required: the database and the role to reach it as. */
        public Builder upstream(UpstreamConfig upstream) {
            this.upstream = upstream;
            return this;
        }

        /** Required: where every session's events go. Closed with the gateway. */
        public Builder audit(AuditSink audit) {
            this.audit = audit;
            return this;
        }

        /** Default: none beyond the policy's. */
        public Builder extraSubjects(List<AcceptedSubject> extraSubjects) {
            this.extraSubjects = extraSubjects;
            return this;
        }

        /** Default: null, no cluster issuer. */
        public Builder kubernetesIssuer(String kubernetesIssuer) {
            this.kubernetesIssuer = kubernetesIssuer;
            return this;
        }

        /** Default: null, the keys are found through the issuer's discovery document. */
        public Builder kubernetesJwksUri(String kubernetesJwksUri) {
            this.kubernetesJwksUri = kubernetesJwksUri;
            return this;
        }

        /** Default: null, no TLS offered to clients. */
        public Builder tlsCertificate(Path tlsCertificate) {
            this.tlsCertificate = tlsCertificate;
            return this;
        }

        /** The private key of {@link #tlsCertificate}. */
        public Builder tlsKey(Path tlsKey) {
            this.tlsKey = tlsKey;
            return this;
        }

        /** Default: {@link #DEFAULT_MAX_MESSAGE_SIZE}. */
        public Builder maxMessageSize(int maxMessageSize) {
            this.maxMessageSize = maxMessageSize;
            return this;
        }

        /** Default: {@link #DEFAULT_AUTHENTICATION_TIMEOUT}. */
        public Builder authenticationTimeout(Duration authenticationTimeout) {
            this.authenticationTimeout = authenticationTimeout;
            return this;
        }

        /** Default: {@link #DEFAULT_EVENT_LOOPS}. */
        public Builder eventLoops(int eventLoops) {
            this.eventLoops = eventLoops;
            return this;
        }

        /** Default: the best available ({@code Transport.select("auto")}). */
        public Builder transport(Transport transport) {
            this.transport = transport;
            return this;
        }

        /** The event loops and transport given on the command line. */
        public Builder relay(RelayOptions relay) {
            return eventLoops(relay.eventLoops()).transport(relay.transport());
        }

        /** Default: a registry of the proxy's own, served on the ops port. */
        public Builder metrics(PrometheusMeterRegistry metrics) {
            this.metrics = metrics;
            return this;
        }

        /** Default: null, statements held for approval are refused. */
        public Builder approvals(ApprovalGate approvals) {
            this.approvals = approvals;
            return this;
        }

        /** Default: null; a policy whose masking hashes is then refused. */
        public Builder maskKeyFile(Path maskKeyFile) {
            this.maskKeyFile = maskKeyFile;
            return this;
        }

        /** Default: null, the policy is fixed. */
        public Builder policyDir(Path policyDir) {
            this.policyDir = policyDir;
            return this;
        }

        /** Default: null, the pod's credentials are never sent. */
        public Builder serviceAccountDir(Path serviceAccountDir) {
            this.serviceAccountDir = serviceAccountDir;
            return this;
        }

        /** @throws NullPointerException naming a required setting that was not given */
        public ProxyConfig build() {
            return new ProxyConfig(
                    listen,
                    policy,
                    upstream,
                    extraSubjects,
                    kubernetesIssuer,
                    kubernetesJwksUri,
                    tlsCertificate,
                    tlsKey,
                    maxMessageSize,
                    authenticationTimeout,
                    eventLoops,
                    transport != null ? transport : Transport.select("auto"),
                    audit,
                    metrics != null ? metrics : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                    approvals,
                    maskKeyFile,
                    policyDir,
                    serviceAccountDir);
        }
    }
}
