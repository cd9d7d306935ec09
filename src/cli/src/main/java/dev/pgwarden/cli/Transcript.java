package dev.pgwarden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.sidecar.audit.AuthenticationFailed;
import dev.pgwarden.sidecar.audit.NoticeSent;
import dev.pgwarden.sidecar.audit.ResultRows;
import dev.pgwarden.sidecar.audit.SessionEnded;
import dev.pgwarden.sidecar.audit.SessionStarted;
import dev.pgwarden.sidecar.audit.StatementAudited;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A session's events as the agent saw them, psql-like: each statement at a prompt, its result
 * rows or command tag, errors and notices as psql prints them, and, where pgwarden decided
 * something, a comment line saying what and why. Events are fed one at a time (a followed session
 * arrives in pieces), so a statement's {@code result_rows}, which comes just before it, is held
 * until the statement event arrives.
 */
final class Transcript {
    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY_CLOCK =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private final PrintWriter out;
    private String subject = "";
    private JsonNode pendingRows;
    private boolean ended;

    Transcript(PrintWriter out) {
        this.out = out;
    }

    /** The first line, before any event (the session_start may be missing or not uploaded yet). */
    void title(String session) {
        out.println("Session " + session + " (times in UTC)");
    }

    boolean ended() {
        return ended;
    }

    void event(JsonNode e) {
        switch (e.path("event").asText()) {
            case SessionStarted.EVENT -> start(e);
            case ResultRows.EVENT -> pendingRows = e;
            case StatementAudited.EVENT -> statement(e);
            case NoticeSent.EVENT ->
                out.println(e.path("severity").asText("NOTICE") + ":  "
                        + e.path("message").asText(""));
            case SessionEnded.EVENT -> end(e);
            case AuthenticationFailed.EVENT -> authFailure(e);
            default -> out.println("-- event " + e.path("event").asText("(unnamed)") + ": " + e);
        }
        out.flush();
    }

    /** The recording stops without an end (a live session, or a removed tail). */
    void unfinished() {
        out.println(
                "-- the recording stops here without session_end: the session is still open, or its end was removed");
    }

    private void start(JsonNode e) {
        subject = e.path("subject").asText("");
        field("started", time(e, DAY_CLOCK));
        field("subject", e.path("subject").asText(null));
        field("pod", e.path("pod").asText(null));
        field("policy", e.path("policy").asText(null));
        field("database", e.path("database").asText(null));
        field("client", e.path("client").asText(null));
        field("application", e.path("applicationName").asText(null));
        out.println();
    }

    private void field(String name, String value) {
        if (value != null && !value.isEmpty()) {
            out.printf("  %-12s %s%n", name, value);
        }
    }

    private void statement(JsonNode e) {
        String sql = e.path("statement").asText("");
        out.println("[" + time(e, CLOCK) + "] " + e.path("subject").asText(subject) + "=> " + sql
                + (sql.stripTrailing().endsWith(";") ? "" : ";"));
        if (e.path("parameters").isArray() && !e.path("parameters").isEmpty()) {
            out.println("-- " + parameters(e.path("parameters")));
        }
        String decision = decision(e);
        if (decision != null) {
            out.println(decision);
        }
        if (e.path("masked").isArray() && !e.path("masked").isEmpty()) {
            out.println("-- masked columns: " + join(e.path("masked")));
        }
        JsonNode rows = pendingRows;
        pendingRows = null;
        if (rows != null) {
            table(rows, e);
        }
        outcome(e, rows != null);
        if (e.hasNonNull("durationMs")) {
            out.printf(Locale.ROOT, "Time: %.3f ms%n", e.path("durationMs").asDouble());
        }
        out.println();
    }

    /** What pgwarden decided, when it was more than a plain Allow; refusals stand out. */
    private static String decision(JsonNode e) {
        String action = e.path("decision").asText("Allow");
        boolean refused = e.path("outcome").asText().equals("refused");
        if (action.equals("Allow") && !e.hasNonNull("approval") && !refused) {
            return null;
        }
        StringBuilder line = new StringBuilder(refused ? "-- REFUSED by pgwarden: " : "-- pgwarden: ").append(action);
        if (e.hasNonNull("rule")) {
            line.append(" by rule ").append(e.path("rule").asText());
        }
        if (e.hasNonNull("approval")) {
            line.append("; approval ").append(e.path("approval").asText());
            if (e.hasNonNull("approvalOutcome")) {
                line.append(' ').append(e.path("approvalOutcome").asText());
            }
            if (e.hasNonNull("reviewer")) {
                line.append(" by ").append(e.path("reviewer").asText());
            }
        }
        if (refused) {
            line.append("; not sent to the database");
        }
        return line.toString();
    }

    private void table(JsonNode rows, JsonNode statement) {
        List<String> columns = new ArrayList<>();
        rows.path("columns").forEach(c -> columns.add(c.asText()));
        List<List<String>> values = new ArrayList<>();
        for (JsonNode row : rows.path("rows")) {
            List<String> cells = new ArrayList<>();
            row.forEach(v -> cells.add(v.isNull() ? null : v.asText()));
            values.add(cells);
        }
        ResultTable.render(columns, values).forEach(out::println);
        long total = statement.hasNonNull("rows") ? statement.path("rows").asLong() : values.size();
        String count = "(" + total + (total == 1 ? " row" : " rows");
        if (rows.path("truncated").asBoolean(false)) {
            count += "; the recording keeps the first " + values.size();
        }
        out.println(count + ")");
    }

    private void outcome(JsonNode e, boolean shownRows) {
        switch (e.path("outcome").asText()) {
            case "error", "refused" ->
                out.println("ERROR:  " + e.path("sqlstate").asText("XX000")
                        + (e.hasNonNull("message") ? ": " + e.path("message").asText() : ""));
            case "skipped" -> out.println("-- skipped: an earlier statement of the same batch failed, so it never ran");
            case "interrupted" -> out.println("-- interrupted: the client left before the answer");
            case "suspended" -> out.println("-- suspended: the client fetches the rest of the rows in chunks");
            default -> {
                if (!shownRows && e.hasNonNull("tag")) {
                    out.println(e.path("tag").asText());
                }
            }
        }
    }

    private void end(JsonNode e) {
        ended = true;
        StringBuilder line = new StringBuilder("Session ended [" + time(e, CLOCK) + "]");
        if (e.hasNonNull("reason")) {
            line.append(": ").append(e.path("reason").asText());
        }
        if (e.hasNonNull("statements")) {
            long n = e.path("statements").asLong();
            line.append("; ").append(n).append(n == 1 ? " statement" : " statements");
        }
        if (e.hasNonNull("durationMs")) {
            line.append(String.format(
                    Locale.ROOT, " in %.1f s", e.path("durationMs").asLong() / 1000.0));
        }
        out.println(line);
    }

    private void authFailure(JsonNode e) {
        ended = true;
        out.println("[" + time(e, CLOCK) + "] connection refused: "
                + e.path("reason").asText("")
                + (e.hasNonNull("sqlstate") ? " (SQLSTATE " + e.path("sqlstate").asText() + ")" : "")
                + (e.hasNonNull("client") ? ", client " + e.path("client").asText() : "")
                + (e.hasNonNull("clientUser") ? ", user " + e.path("clientUser").asText() : ""));
    }

    /** psql shows parameters nowhere; the transcript shows them as literals, NULL unquoted. */
    private static String parameters(JsonNode values) {
        StringBuilder s = new StringBuilder();
        int i = 0;
        for (JsonNode v : values) {
            s.append(i == 0 ? "" : ", ")
                    .append('$')
                    .append(++i)
                    .append('=')
                    .append(v.isNull() ? "NULL" : "'" + v.asText().replace("'", "''") + "'");
        }
        return s.toString();
    }

    private static String join(JsonNode values) {
        List<String> parts = new ArrayList<>();
        values.forEach(v -> parts.add(v.asText()));
        return String.join(", ", parts);
    }

    private static String time(JsonNode e, DateTimeFormatter format) {
        String ts = e.path("ts").asText("");
        try {
            return format.format(Instant.parse(ts));
        } catch (DateTimeParseException ex) {
            return ts.isEmpty() ? "no time" : ts;
        }
    }
}
