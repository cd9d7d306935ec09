package dev.pgwarden.sidecar.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Writes the members of an event with a streaming generator, in the order and form the events'
 * Jackson annotations declare ({@code ts}, {@code event}, then the record's components; null
 * members left out), so the lines read exactly as the object mapper would write them. Databind
 * looked up and called each record accessor reflectively, per event; this is plain calls.
 * EventJsonTest holds both to the same bytes.
 */
final class EventJson {
    private EventJson() {}

    /** The event's members, inside an object the caller opened and closes. */
    static void members(AuditEvent event, JsonGenerator g) throws IOException {
        if (event instanceof StatementAudited e) {
            statement(e, g);
        } else if (event instanceof SessionStarted e) {
            sessionStarted(e, g);
        } else if (event instanceof SessionEnded e) {
            sessionEnded(e, g);
        } else if (event instanceof NoticeSent e) {
            head(g, e.ts(), NoticeSent.EVENT);
            string(g, "session", e.session());
            string(g, "severity", e.severity());
            string(g, "sqlstate", e.sqlstate());
            string(g, "message", e.message());
        } else if (event instanceof ResultRows e) {
            head(g, e.ts(), ResultRows.EVENT);
            string(g, "session", e.session());
            strings(g, "columns", e.columns());
            if (e.rows() != null) {
                g.writeArrayFieldStart("rows");
                for (List<String> row : e.rows()) {
                    strings(g, row);
                }
                g.writeEndArray();
            }
            if (e.truncated() != null) {
                g.writeBooleanField("truncated", e.truncated());
            }
        } else if (event instanceof AuthenticationFailed e) {
            head(g, e.ts(), AuthenticationFailed.EVENT);
            string(g, "session", e.session());
            string(g, "client", e.client());
            string(g, "clientUser", e.clientUser());
            string(g, "reason", e.reason());
            string(g, "sqlstate", e.sqlstate());
            string(g, "message", e.message());
        } else {
            throw new IllegalArgumentException("no JSON form for " + event.getClass());
        }
    }

    private static void statement(StatementAudited e, JsonGenerator g) throws IOException {
        head(g, e.ts(), StatementAudited.EVENT);
        string(g, "session", e.session());
        string(g, "subject", e.subject());
        string(g, "policy", e.policy());
        string(g, "database", e.database());
        string(g, "protocol", e.protocol());
        string(g, "statement", e.statement());
        strings(g, "parameters", e.parameters());
        string(g, "outcome", e.outcome());
        string(g, "tag", e.tag());
        if (e.rows() != null) {
            g.writeNumberField("rows", e.rows().longValue());
        }
        if (e.durationMs() != null) {
            g.writeNumberField("durationMs", e.durationMs().doubleValue());
        }
        string(g, "sqlstate", e.sqlstate());
        string(g, "kind", e.kind());
        strings(g, "effects", e.effects());
        strings(g, "tables", e.tables());
        string(g, "decision", e.decision());
        string(g, "rule", e.rule());
        string(g, "approval", e.approval());
        string(g, "approvalOutcome", e.approvalOutcome());
        string(g, "reviewer", e.reviewer());
        strings(g, "masked", e.masked());
        string(g, "message", e.message());
        string(g, "reason", e.reason());
    }

    private static void sessionStarted(SessionStarted e, JsonGenerator g) throws IOException {
        head(g, e.ts(), SessionStarted.EVENT);
        string(g, "session", e.session());
        string(g, "subject", e.subject());
        string(g, "issuer", e.issuer());
        string(g, "serviceAccount", e.serviceAccount());
        string(g, "pod", e.pod());
        strings(g, "groups", e.groups());
        string(g, "policy", e.policy());
        string(g, "database", e.database());
        string(g, "client", e.client());
        string(g, "clientUser", e.clientUser());
        string(g, "applicationName", e.applicationName());
        string(g, "upstreamRole", e.upstreamRole());
        if (e.upstreamPid() != null) {
            g.writeNumberField("upstreamPid", e.upstreamPid().intValue());
        }
        if (e.parameters() != null) {
            g.writeObjectFieldStart("parameters");
            for (Map.Entry<String, String> p : e.parameters().entrySet()) {
                string(g, String.valueOf(p.getKey()), p.getValue(), true);
            }
            g.writeEndObject();
        }
    }

    private static void sessionEnded(SessionEnded e, JsonGenerator g) throws IOException {
        head(g, e.ts(), SessionEnded.EVENT);
        string(g, "session", e.session());
        string(g, "subject", e.subject());
        g.writeNumberField("durationMs", e.durationMs());
        g.writeNumberField("statements", e.statements());
        g.writeNumberField("bytesFromClient", e.bytesFromClient());
        g.writeNumberField("bytesToClient", e.bytesToClient());
        string(g, "reason", e.reason());
    }

    private static void head(JsonGenerator g, String ts, String event) throws IOException {
        string(g, "ts", ts);
        g.writeStringField("event", event);
    }

    private static void string(JsonGenerator g, String name, String value) throws IOException {
        string(g, name, value, false);
    }

    /** @param always written as null when null (a map's value), else left out */
    private static void string(JsonGenerator g, String name, String value, boolean always) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        } else if (always) {
            g.writeNullField(name);
        }
    }

    private static void strings(JsonGenerator g, String name, List<String> values) throws IOException {
        if (values != null) {
            g.writeFieldName(name);
            strings(g, values);
        }
    }

    private static void strings(JsonGenerator g, List<String> values) throws IOException {
        if (values == null) {
            g.writeNull();
            return;
        }
        g.writeStartArray();
        for (String v : values) {
            if (v == null) {
                g.writeNull();
            } else {
                g.writeString(v);
            }
        }
        g.writeEndArray();
    }
}
