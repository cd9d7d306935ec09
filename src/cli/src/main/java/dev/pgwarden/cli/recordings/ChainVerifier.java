package dev.pgwarden.cli.recordings;

import dev.pgwarden.sidecar.audit.AuditChain;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Verifies recorded sessions with the audit key: every session's chain ({@link ChainCheck}) and,
 * across a whole source, that no session is missing from a sidecar run ({@link OrdinalGaps}).
 */
public final class ChainVerifier {
    private final AuditChain chain;
    private final boolean allowOpen;

    /** @param allowOpen a session without session_end is accepted (it may still be running) */
    public ChainVerifier(AuditChain chain, boolean allowOpen) {
        this.chain = chain;
        this.allowOpen = allowOpen;
    }

    /** Every session in the source. */
    public VerificationReport verifyAll(RecordingSource source) throws IOException {
        Checks checks = new Checks();
        source.readAll(checks);
        List<SessionVerdict> verdicts = checks.verdicts();
        List<String> problems = new ArrayList<>(checks.problems);
        problems.addAll(OrdinalGaps.find(verdicts, allowOpen));
        return new VerificationReport(verdicts, problems);
    }

    /** One session; the report holds no session when the source has none of that name. */
    public VerificationReport verify(RecordingSource source, String session) throws IOException {
        Checks checks = new Checks();
        source.reader(session).readNew(checks);
        return new VerificationReport(checks.verdicts(), checks.problems);
    }

    /** A check per session, in the order sessions first appear. */
    private final class Checks implements RecordingVisitor {
        final Map<String, ChainCheck> sessions = new LinkedHashMap<>();
        final List<String> problems = new ArrayList<>();

        @Override
        public void line(String session, RecordedLine line) {
            sessions.computeIfAbsent(session, s -> new ChainCheck(chain, s)).line(line);
        }

        @Override
        public void problem(String session, String problem) {
            if (session == null) {
                problems.add(problem);
            } else {
                sessions.computeIfAbsent(session, s -> new ChainCheck(chain, s)).problem(problem);
            }
        }

        List<SessionVerdict> verdicts() {
            return sessions.values().stream().map(c -> c.verdict(allowOpen)).toList();
        }
    }
}
