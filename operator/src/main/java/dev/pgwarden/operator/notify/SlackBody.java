package dev.pgwarden.operator.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body a Slack incoming webhook accepts: {@code text} (the notification's own line, and all a
 * client without blocks shows) and {@code blocks} made of {@code section} and {@code context}
 * blocks with {@code mrkdwn} text only, nothing interactive: reviewers decide with kubectl, where
 * the webhook knows who they are.
 */
final class SlackBody {
    /** Slack refuses a section whose text is over 3000 characters; leave room for the fence. */
    static final int MAX_SECTION = 2900;

    private static final ObjectMapper JSON = new ObjectMapper();

    private SlackBody() {}

    static String render(ApprovalMessage m) {
        String summary = "pgwarden: approval requested for " + m.namespace() + "/" + m.name() + " (rule "
                + orNone(m.rule()) + ", by " + m.requester() + ")";
        List<Map<String, Object>> blocks = new ArrayList<>();
        blocks.add(section("*" + escape(summary) + "*"));
        blocks.add(section("*Policy* " + escape(m.policy()) + "   *Rule* " + escape(orNone(m.rule()))
                + "\n*Subject* " + escape(m.requester()) + "   *Pod* " + escape(orNone(m.pod()))
                + "\n*Session* " + escape(orNone(m.session()))));
        blocks.add(section(fenced("Statement", m.statement())));
        if (!m.parameters().isEmpty()) {
            blocks.add(section(fenced("Parameters", String.join("\n", m.parameters()))));
        }
        blocks.add(section("*Agent's reason* " + escape(m.reason() == null ? "(none given)" : m.reason())
                + "\n*Held because* " + escape(orNone(m.heldBecause()))
                + (m.rowsChanged() == null ? "" : "\n*Trial run* changed " + m.rowsChanged() + " rows")
                + m.estimates().stream()
                        .map(e -> "\n*Would remove* " + escape(e.summary()))
                        .collect(java.util.stream.Collectors.joining())));
        blocks.add(section(fenced("Approve", m.approveCommand()) + "\n" + fenced("Deny", m.denyCommand())));
        blocks.add(context("Expires " + escape(m.expiresAt()) + " · requested " + escape(orNone(m.requestedAt()))
                + " · " + escape(orNone(m.fingerprint()))));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("text", escape(summary));
        body.put("blocks", blocks);
        try {
            return JSON.writeValueAsString(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("maps of strings always serialize", e);
        }
    }

    private static Map<String, Object> section(String mrkdwn) {
        return Map.of("type", "section", "text", Map.of("type", "mrkdwn", "text", mrkdwn));
    }

    private static Map<String, Object> context(String mrkdwn) {
        return Map.of("type", "context", "elements", List.of(Map.of("type", "mrkdwn", "text", mrkdwn)));
    }

    /** A labelled code block; text too long for one section is clipped, and says where the whole is. */
    private static String fenced(String label, String text) {
        String escaped = escape(text == null ? "" : text).replace("```", "`\u200b``");
        int room = MAX_SECTION / 2 - label.length() - 16;
        if (escaped.length() > room) {
            escaped = escaped.substring(0, room) + "\n… (clipped: kubectl get queryapproval -o yaml shows it whole)";
        }
        return "*" + label + "*\n```" + escaped + "```";
    }

    /** Slack's mrkdwn reads &, < and > as markup (links, mentions); these three are all it asks to escape. */
    static String escape(String text) {
        return text == null
                ? ""
                : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String orNone(String value) {
        return value == null || value.isEmpty() ? "none" : value;
    }
}
