package dev.pgwarden.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What each client did through pgwarden: one cell per client and feature, pass or FAIL with what
 * the client said. A feature a client does not have is shown as {@code -}; one it should have but
 * never reported (its run died before) counts as a failure.
 */
final class ClientMatrix {
    record Cell(boolean ok, String detail) {}

    /** Where a client's checks report to: one cell each. */
    @FunctionalInterface
    interface Report {
        void put(String feature, boolean ok, String detail);
    }

    /** One feature's check: what it showed, or an exception or assertion error saying what went wrong. */
    @FunctionalInterface
    interface Check {
        String run() throws Exception;
    }

    static void check(Report report, String feature, Check check) {
        try {
            report.put(feature, true, check.run());
        } catch (Exception | AssertionError e) {
            report.put(
                    feature,
                    false,
                    (e instanceof java.sql.SQLException s ? s.getSQLState() + " " : "") + e.getMessage());
        }
    }

    static void expect(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    private final List<String> clients;
    private final List<String> features;
    private final Map<String, Set<String>> expected;
    private final Map<String, Map<String, Cell>> cells = new LinkedHashMap<>();

    /** @param expected for each client, the features it is checked for */
    ClientMatrix(List<String> features, Map<String, Set<String>> expected) {
        this.clients = List.copyOf(expected.keySet());
        this.features = features;
        this.expected = expected;
        for (Set<String> own : expected.values()) {
            if (!features.containsAll(own)) {
                throw new IllegalArgumentException("unknown feature among " + own);
            }
        }
    }

    void put(String client, String feature, boolean ok, String detail) {
        if (!expected.get(client).contains(feature)) {
            throw new IllegalArgumentException(
                    client + " reported " + feature + ", which the matrix does not check for it");
        }
        cells.computeIfAbsent(client, c -> new LinkedHashMap<>()).put(feature, new Cell(ok, detail));
    }

    /** Every expected cell that did not pass, with what the client said. */
    List<String> failures() {
        List<String> failed = new ArrayList<>();
        for (String client : clients) {
            for (String feature : features) {
                if (!expected.get(client).contains(feature)) {
                    continue;
                }
                Cell cell = cells.getOrDefault(client, Map.of()).get(feature);
                if (cell == null) {
                    failed.add(client + " / " + feature + ": never reported");
                } else if (!cell.ok()) {
                    failed.add(client + " / " + feature + ": " + cell.detail());
                }
            }
        }
        return failed;
    }

    /** Features down, clients across; then what each passing cell showed. */
    String render() {
        int first = Math.max(
                "feature".length(),
                features.stream().mapToInt(String::length).max().orElse(0));
        StringBuilder out = new StringBuilder();
        out.append(pad("feature", first));
        clients.forEach(c -> out.append("  ").append(c));
        out.append('\n');
        for (String feature : features) {
            out.append(pad(feature, first));
            for (String client : clients) {
                String mark = !expected.get(client).contains(feature)
                        ? "-"
                        : cells.getOrDefault(client, Map.of()).get(feature) == null
                                ? "MISSING"
                                : cells.get(client).get(feature).ok() ? "pass" : "FAIL";
                out.append("  ").append(pad(mark, client.length()));
            }
            out.append('\n');
        }
        out.append('\n');
        for (String client : clients) {
            cells.getOrDefault(client, Map.of())
                    .forEach((feature, cell) -> out.append(client)
                            .append(" / ")
                            .append(feature)
                            .append(": ")
                            .append(cell.ok() ? "" : "FAILED: ")
                            .append(cell.detail())
                            .append('\n'));
        }
        long expectedCells = expected.values().stream().mapToLong(Set::size).sum();
        int failed = failures().size();
        out.append("client-matrix: ")
                .append(expectedCells - failed)
                .append(" passed, ")
                .append(failed)
                .append(" failed\n");
        return out.toString();
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
