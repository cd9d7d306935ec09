package dev.pgwarden.operator.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import dev.pgwarden.api.v1alpha1.ObjectEstimate;
import java.util.List;

/**
 * The generic webhook's JSON body. Its fields are a contract with receivers (README documents
 * them): add fields, never rename or remove them, and bump {@code version} if a meaning changes.
 * Every key is always present, null when the request has no value for it.
 */
final class WebhookBody {
    static final String EVENT = "pgwarden.dev/approval-requested";
    static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The body's shape; the record's component order is the key order. */
    record Body(
            String event,
            int version,
            String namespace,
            String name,
            String policy,
            String rule,
            ApprovalSubject subject,
            String pod,
            String session,
            String statement,
            List<String> parameters,
            String fingerprint,
            String reason,
            String heldBecause,
            Long rowsChanged,
            List<ObjectEstimate> estimates,
            String requestedAt,
            String expiresAt,
            Commands commands) {}

    record Commands(String approve, String deny) {}

    private WebhookBody() {}

    static String render(ApprovalMessage m) {
        Body body = new Body(
                EVENT,
                VERSION,
                m.namespace(),
                m.name(),
                m.policy(),
                m.rule(),
                m.subject(),
                m.pod(),
                m.session(),
                m.statement(),
                m.parameters(),
                m.fingerprint(),
                m.reason(),
                m.heldBecause(),
                m.rowsChanged(),
                m.estimates(),
                m.requestedAt(),
                m.expiresAt(),
                new Commands(m.approveCommand(), m.denyCommand()));
        try {
            return JSON.writeValueAsString(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a record of strings always serializes", e);
        }
    }
}
