package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.approval.ApprovalGate;
import dev.pgwarden.sidecar.audit.AuditSink;
import dev.pgwarden.sidecar.ops.ProxyMetrics;
import dev.pgwarden.sidecar.policy.live.LivePolicy;
import dev.pgwarden.sidecar.sql.ClassifierPool;
import dev.pgwarden.sidecar.upstream.UpstreamConnector;
import io.netty.handler.ssl.SslContext;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;

/**
 * What every session of one proxy shares.
 *
 * @param policy the live policy: sessions read it at every statement, new connections at login
 * @param blockingWork where work that may block (token and key fetching) runs, never an event loop
 * @param clientTls the listener's TLS, or null to answer SSLRequest with 'N'
 * @param maxMessageSize the largest Query/Parse/Bind/FunctionCall accepted from an authenticated client
 * @param approvals where held statements go; never null (a gate that refuses when none is configured)
 */
public record ProxyContext(
        LivePolicy policy,
        UpstreamConnector upstream,
        ExecutorService blockingWork,
        CancelRegistry cancels,
        AuditSink audit,
        ProxyMetrics metrics,
        SslContext clientTls,
        int maxMessageSize,
        Duration authenticationTimeout,
        ClassifierPool classifier,
        ApprovalGate approvals,
        Clock clock) {}
