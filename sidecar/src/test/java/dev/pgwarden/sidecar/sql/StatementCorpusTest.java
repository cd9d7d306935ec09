package dev.pgwarden.sidecar.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.policy.StatementPolicy;
import dev.pgwarden.sidecar.policy.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Runs every statement of {@code corpus/statements.sql} through the splitter, the classifier and
 * both test policies, and reports every case that differs at once, each with its line and text,
 * so one run shows the whole picture. The file's header describes its format.
 */
class StatementCorpusTest {
    private static final String CORPUS = "/corpus/statements.sql";

    /** An expected decision; a null rule means any rule will do. */
    record Expected(Action action, String rule) {
        static Expected parse(String text) {
            int at = text.indexOf('@');
            return at < 0
                    ? new Expected(Action.valueOf(text), null)
                    : new Expected(Action.valueOf(text.substring(0, at)), text.substring(at + 1));
        }

        boolean matches(Verdict v) {
            return v.action() == action && (rule == null || rule.equals(v.rule()));
        }

        @Override
        public String toString() {
            return rule == null ? action.name() : action + "@" + rule;
        }
    }

    record Case(
            int line,
            String sql,
            StatementKind kind,
            Set<StatementKind> effects,
            boolean unbounded,
            Expected readWrite,
            Expected readOnly) {}

    @Test
    void everyCorpusStatementIsClassifiedAndDecidedAsExpected() throws IOException {
        List<Case> cases = read();
        assertThat(cases).as("corpus size").hasSizeGreaterThanOrEqualTo(200);
        List<String> mismatches = new ArrayList<>();
        for (Case c : cases) {
            List<String> problems = check(c);
            if (!problems.isEmpty()) {
                mismatches.add("line " + c.line() + ": " + c.sql().replace('\n', ' ') + "\n    "
                        + String.join("\n    ", problems));
            }
        }
        assertThat(mismatches)
                .withFailMessage(
                        "%d of %d corpus cases differ from %s:%n%n%s",
                        mismatches.size(), cases.size(), CORPUS, String.join("\n\n", mismatches))
                .isEmpty();
    }

    @Test
    void theCorpusFormatIsReadStrictly() {
        // A header typo must fail loudly, not turn into a case that checks nothing.
        assertThat(parseHeader("SELECT rw=Allow ro=Deny@x", 1, "SELECT 1").readOnly())
                .isEqualTo(new Expected(Action.Deny, "x"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parseHeader("SELECT rw=Allow", 1, "SELECT 1"))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parseHeader("SELECT rw=Alow ro=Allow", 1, "SELECT 1"))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> parseHeader("SELECT bounded rw=Allow ro=Allow", 1, "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static List<String> check(Case c) {
        List<String> problems = new ArrayList<>();
        List<String> parts = StatementSplitter.split(c.sql());
        if (parts.size() != 1 || !parts.get(0).equals(c.sql())) {
            problems.add(
                    "splitter: expected the whole text as one statement, got " + parts.size() + " part(s): " + parts);
        }
        Classification got = StatementClassifier.classify(c.sql());
        if (got.kind() != c.kind()) {
            problems.add("kind: expected " + c.kind() + ", got " + got.kind()
                    + (got.problem() == null ? "" : " (" + got.problem() + ")"));
        }
        if (c.effects() != null && !got.effects().equals(c.effects())) {
            problems.add("effects: expected " + sorted(c.effects()) + ", got " + sorted(got.effects()));
        }
        if (got.unbounded() != c.unbounded()) {
            problems.add("unbounded: expected " + c.unbounded() + ", got " + got.unbounded());
        }
        compare("ReadWrite", TestPolicies.READ_WRITE, got, c.readWrite(), problems);
        compare("ReadOnly", TestPolicies.READ_ONLY, got, c.readOnly(), problems);
        return problems;
    }

    private static void compare(
            String name, StatementPolicy policy, Classification got, Expected expected, List<String> problems) {
        Verdict v = policy.decide(got);
        if (!expected.matches(v)) {
            problems.add(
                    name + ": expected " + expected + ", got " + v.action() + "@" + v.rule() + " (" + v.reason() + ")");
        }
    }

    private static List<StatementKind> sorted(Set<StatementKind> kinds) {
        return kinds.stream().sorted().toList();
    }

    private static List<Case> read() throws IOException {
        String text;
        try (InputStream in = StatementCorpusTest.class.getResourceAsStream(CORPUS)) {
            assertThat(in).as(CORPUS).isNotNull();
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Case> cases = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        String header = null;
        int headerLine = 0;
        StringBuilder body = new StringBuilder();
        for (int i = 0; i <= lines.length; i++) {
            String line = i < lines.length ? lines[i] : "#> end";
            if (line.startsWith("#")) {
                if (header != null) {
                    cases.add(parseHeader(header, headerLine, body.toString().strip()));
                }
                header = line.startsWith("#> ") && i < lines.length
                        ? line.substring(3).strip()
                        : null;
                headerLine = i + 1;
                body.setLength(0);
            } else if (header != null) {
                body.append(line).append('\n');
            } else if (!line.isBlank()) {
                throw new IllegalArgumentException(CORPUS + " line " + (i + 1) + ": text outside a case: " + line);
            }
        }
        return cases;
    }

    static Case parseHeader(String header, int line, String sql) {
        if (sql.isEmpty()) {
            throw new IllegalArgumentException("line " + line + ": a case without a statement");
        }
        String[] words = header.split("\\s+");
        StatementKind kind = StatementKind.valueOf(words[0]);
        Set<StatementKind> effects = null;
        boolean unbounded = false;
        Expected rw = null;
        Expected ro = null;
        for (String w : Arrays.asList(words).subList(1, words.length)) {
            if (w.startsWith("effects=")) {
                effects = Arrays.stream(w.substring(8).split(","))
                        .map(StatementKind::valueOf)
                        .collect(Collectors.toCollection(() -> EnumSet.noneOf(StatementKind.class)));
            } else if (w.equals("unbounded")) {
                unbounded = true;
            } else if (w.startsWith("rw=")) {
                rw = Expected.parse(w.substring(3));
            } else if (w.startsWith("ro=")) {
                ro = Expected.parse(w.substring(3));
            } else {
                throw new IllegalArgumentException("line " + line + ": unknown header word " + w);
            }
        }
        if (rw == null || ro == null) {
            throw new IllegalArgumentException("line " + line + ": a case needs both rw= and ro=");
        }
        return new Case(line, sql, kind, effects, unbounded, rw, ro);
    }
}
