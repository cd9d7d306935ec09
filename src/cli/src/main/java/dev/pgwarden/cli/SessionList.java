package dev.pgwarden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.cli.recordings.RecordedLine;
import dev.pgwarden.cli.recordings.RecordingVisitor;
import dev.pgwarden.sidecar.audit.AuthenticationFailed;
import dev.pgwarden.sidecar.audit.SessionEnded;
import dev.pgwarden.sidecar.audit.SessionStarted;
import dev.pgwarden.sidecar.audit.StatementAudited;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code replay --list}: one row per recorded session, oldest first. */
final class SessionList implements RecordingVisitor {
    private static final DateTimeFormatter STARTED =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    /** What is known of a session so far, while its events are read. */
    private static final class Row {
        final String session;
        String ts = "";
        String subject = "";
        String policy = "";
        long statements;
        Long recordedStatements;
        String state = "open";

        Row(String session) {
            this.session = session;
        }
    }

    @Override
    public void line(String session, RecordedLine line) {
        JsonNode e = line.event();
        if (e == null) {
            return;
        }
        Row row = rows.computeIfAbsent(session, Row::new);
        switch (e.path("event").asText()) {
            case SessionStarted.EVENT -> {
                row.ts = e.path("ts").asText("");
                row.subject = e.path("subject").asText("");
                row.policy = e.path("policy").asText("");
            }
            case StatementAudited.EVENT -> row.statements++;
            case SessionEnded.EVENT -> {
                row.state = "ended";
                row.recordedStatements =
                        e.hasNonNull("statements") ? e.get("statements").asLong() : null;
            }
            case AuthenticationFailed.EVENT -> {
                row.ts = e.path("ts").asText("");
                row.subject = e.path("clientUser").asText("");
                row.state = "auth failure";
            }
            default -> {}
        }
    }

    @Override
    public void problem(String session, String problem) {
        problems.add(session == null ? problem : "session " + session + ": " + problem);
    }

    /** What was missing or damaged while listing (the list does not verify chains). */
    List<String> problems() {
        return problems;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    void print(PrintWriter out) {
        List<Row> sorted = new ArrayList<>(rows.values());
        sorted.sort(Comparator.comparing((Row r) -> r.ts).thenComparing(r -> r.session));
        List<List<String>> cells = new ArrayList<>();
        for (Row r : sorted) {
            long statements = r.recordedStatements != null ? r.recordedStatements : r.statements;
            cells.add(List.of(r.session, started(r.ts), r.subject, r.policy, Long.toString(statements), r.state));
        }
        ResultTable.render(List.of("session", "started (UTC)", "subject", "policy", "statements", "state"), cells)
                .forEach(out::println);
        out.println("(" + cells.size() + (cells.size() == 1 ? " session)" : " sessions)"));
    }

    private static String started(String ts) {
        try {
            return STARTED.format(Instant.parse(ts));
        } catch (DateTimeParseException e) {
            return ts;
        }
    }
}
