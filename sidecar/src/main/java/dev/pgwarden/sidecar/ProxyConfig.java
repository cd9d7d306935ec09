package dev.pgwarden.sidecar;

import dev.pgwarden.sidecar.approval.ApprovalGate;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.sidecar.audit.AuditSink;
import dev.pgwarden.sidecar.identity.AcceptedSubject;
import dev.pgwarden.sidecar.upstream.Transport;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything one proxy instance needs.
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

  /** A fixed policy and upstream: nothing is watched (local mode, tests). */
  public ProxyConfig(InetSocketAddress listen, DatabaseAccessPolicy policy, UpstreamConfig upstream,
      List<AcceptedSubject> extraSubjects, String kubernetesIssuer, String kubernetesJwksUri, Path tlsCertificate,
      Path tlsKey, int maxMessageSize, Duration authenticationTimeout, int eventLoops, Transport transport,
      AuditSink audit, PrometheusMeterRegistry metrics, ApprovalGate approvals, Path maskKeyFile) {
    this(listen, policy, upstream, extraSubjects, kubernetesIssuer, kubernetesJwksUri, tlsCertificate, tlsKey,
        maxMessageSize, authenticationTimeout, eventLoops, transport, audit, metrics, approvals, maskKeyFile, null, null);
  }

  public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;
  public static final Duration DEFAULT_AUTHENTICATION_TIMEOUT = Duration.ofSeconds(60);
  /**
   * One relay thread: a sidecar serves one agent pod, and on a small CPU budget a single loop
   * wastes fewer cycles on wake-ups than several (measured with bench/gateway.sh).
   */
  public static final int DEFAULT_EVENT_LOOPS = 1;
}
