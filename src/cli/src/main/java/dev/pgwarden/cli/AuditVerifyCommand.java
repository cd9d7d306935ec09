package dev.pgwarden.cli;

import dev.pgwarden.cli.recordings.ChainVerifier;
import dev.pgwarden.cli.recordings.RecordingSource;
import dev.pgwarden.cli.recordings.SessionVerdict;
import dev.pgwarden.cli.recordings.VerificationReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pgwarden audit verify}: checks that recorded sessions are whole and unaltered. The exit
 * code is for scripts: 0 every session intact, 1 a break (or nothing to verify), 2 it could not
 * verify (bad usage, unreadable key or source).
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Verify the HMAC chains of recorded sessions: no event altered, removed or reordered, no part "
                    + "or session missing.",
            "Exit code: 0 all intact, 1 something is broken or nothing was found, 2 cannot verify."
        })
public final class AuditVerifyCommand implements Callable<Integer> {
    @Parameters(
            paramLabel = "SOURCE",
            description =
                    "s3://BUCKET/PREFIX, the directory recordings are stored in, or an audit log file (.jsonl, .gz).")
    String source;

    @Option(names = "--key-file", required = true, paramLabel = "FILE", description = "The sidecar's audit key.")
    Path keyFile;

    @Option(names = "--session", paramLabel = "ID", description = "Verify this session only.")
    String session;

    @Option(names = "--allow-open", description = "Accept sessions without session_end (still running).")
    boolean allowOpen;

    @Mixin
    SourceOptions sourceOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        VerificationReport report;
        try {
            ChainVerifier verifier = new ChainVerifier(AuditKeyFile.load(keyFile), allowOpen);
            try (RecordingSource recordings = sourceOptions.open(source)) {
                report = session == null ? verifier.verifyAll(recordings) : verifier.verify(recordings, session);
            }
        } catch (IOException | IllegalArgumentException e) {
            err.println("pgwarden: cannot verify " + source + ": " + e.getMessage());
            return 2;
        }
        if (report.sessions().isEmpty() && report.problems().isEmpty()) {
            err.println("pgwarden: " + (session == null ? "no recorded sessions" : "no session " + session) + " in "
                    + source);
            return 1;
        }
        print(report, out);
        return report.intact() ? 0 : 1;
    }

    private void print(VerificationReport report, PrintWriter out) {
        long open = 0;
        for (SessionVerdict v : report.sessions()) {
            if (!v.intact()) {
                out.printf("BROKEN  %s  %s%n", v.session(), v.problem());
                continue;
            }
            open += v.open() ? 1 : 0;
            out.printf(
                    "OK      %s  %d event%s, %s%n",
                    v.session(),
                    v.events(),
                    v.events() == 1 ? "" : "s",
                    v.open() ? "open: no session_end yet" : v.ending());
        }
        for (String problem : report.problems()) {
            out.println("BROKEN  " + problem);
        }
        long brokenSessions =
                report.sessions().stream().filter(v -> !v.intact()).count();
        out.printf(
                "%d session%s in %s: %d intact%s, %d broken%s%n",
                report.sessions().size(),
                report.sessions().size() == 1 ? "" : "s",
                source,
                report.sessions().size() - brokenSessions,
                open > 0 ? " (" + open + " still open)" : "",
                brokenSessions,
                report.problems().isEmpty()
                        ? ""
                        : "; " + report.problems().size() + " more break"
                                + (report.problems().size() == 1 ? "" : "s") + " beyond single sessions");
    }
}
