package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.approval.ApprovalGate;
import dev.pgwarden.sidecar.policy.StatementPolicy;
import dev.pgwarden.sidecar.sql.ClassifierPool;
import java.time.Clock;
import dev.pgwarden.sidecar.audit.AuditSink;
import dev.pgwarden.sidecar.identity.TokenVerifier;
import dev.pgwarden.sidecar.ops.ProxyMetrics;
import dev.pgwarden.sidecar.upstream.UpstreamConnector;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * What every session of one proxy shares.
 *
 * @param verifier the current token verifier (policies can change while sessions run)
 * @param blockingWork where work that may block (token and key fetching) runs, never an event loop
 * @param clientTls the listener's TLS, or null to answer SSLRequest with 'N'
 * @param maxMessageSize the largest Query/Parse/Bind/FunctionCall accepted from an authenticated client
 * @param statementPolicy the policy's rules, applied to every statement
 * @param approvals where held statements go; never null (a gate that refuses when none is configured)
 * @param masking the policy's masking (disabled when it has no masking rules)
 */
public record ProxyContext(
    String policyName,
    UpstreamConnector upstream,
    Supplier<TokenVerifier> verifier,
    ExecutorService blockingWork,
    CancelRegistry cancels,
    AuditSink audit,
    ProxyMetrics metrics,
    SslContext clientTls,
    int maxMessageSize,
    Duration authenticationTimeout,
    StatementPolicy statementPolicy,
    ClassifierPool classifier,
    ApprovalGate approvals,
    Clock clock,
    dev.pgwarden.sidecar.masking.MaskingEngine masking) {
}
