package dev.pgwarden.cli.recordings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One event line as it was read back, and where: {@code part-000002.jsonl.gz line 3} in a
 * recording, {@code audit.jsonl line 57} in an audit log. Messages about a broken chain name that
 * place, so a DBA can open the part and look.
 *
 * @param text the line exactly as stored: the chain's mac covers these bytes
 * @param event the line parsed, or null when it is not a JSON object
 */
public record RecordedLine(String where, String text, JsonNode event) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static RecordedLine parse(String where, String text) {
        JsonNode event;
        try {
            event = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            event = null;
        }
        return new RecordedLine(where, text, event != null && event.isObject() ? event : null);
    }

    /** The session the line names, or null. */
    public String session() {
        return event == null || !event.path("session").isTextual()
                ? null
                : event.get("session").asText();
    }
}
