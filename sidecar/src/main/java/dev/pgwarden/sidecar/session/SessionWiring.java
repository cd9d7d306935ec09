package dev.pgwarden.sidecar.session;

import dev.pgwarden.api.policy.SessionLimits;
import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import dev.pgwarden.api.v1alpha1.RecordedResults;
import dev.pgwarden.api.v1alpha1.Recording;
import dev.pgwarden.sidecar.approval.ObjectEstimates;
import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.exchange.ResultMasking;
import dev.pgwarden.sidecar.exchange.ResultSample;
import dev.pgwarden.sidecar.exchange.SessionAudit;
import dev.pgwarden.sidecar.exchange.SessionObjects;
import dev.pgwarden.sidecar.gate.GateContext;
import dev.pgwarden.sidecar.gate.GateOutput;
import dev.pgwarden.sidecar.gate.PolicyPin;
import dev.pgwarden.sidecar.gate.StatementGate;
import dev.pgwarden.sidecar.identity.VerifiedIdentity;
import io.netty.buffer.ByteBufAllocator;
import java.util.function.Supplier;

/**
 * The parts of one session and how they reach each other: the audit, the exchange that pairs
 * requests with answers, and the gate that decides them, all under the policy version the
 * session applies now.
 */
record SessionWiring(
        SessionAudit audit,
        ResultSample sample,
        Exchange exchange,
        StatementGate gate,
        Supplier<SessionLimits> limits) {

    static SessionWiring of(
            ProxyContext proxy, String sessionId, VerifiedIdentity identity, ByteBufAllocator alloc, GateOutput out) {
        PolicyPin policy = new PolicyPin(proxy.policy());
        SessionAudit audit = new SessionAudit(
                proxy.audit(),
                proxy.metrics(),
                sessionId,
                identity.subject(),
                policy.version().name(),
                proxy.upstream().database(),
                () -> policy.version().masking().enabled());
        // Result sampling is set up per session: a reload that changes recording.results reaches new sessions.
        Recording recording = policy.version().policy().getSpec().recording();
        ResultSample sample = recording != null && recording.resultsOrDefault() == RecordedResults.Rows
                ? audit.sampleRows(recording.maxRowsOrDefault())
                : null;
        Exchange exchange = new Exchange(
                audit, new SessionObjects(), new ResultMasking(policy.version().masking(), alloc), alloc);
        GateContext context = new GateContext(
                policy,
                proxy.classifier(),
                proxy.approvals(),
                new ApprovalSubject(identity.issuer(), identity.subject(), identity.serviceAccount(), identity.pod()),
                sessionId,
                proxy.clock(),
                proxy.audit()::cannotRecord,
                new ObjectEstimates(proxy.upstream()::config, proxy.blockingWork()));
        return new SessionWiring(
                audit,
                sample,
                exchange,
                new StatementGate(context, exchange, out),
                () -> policy.version().limits());
    }
}
