package dev.pgwarden.cli;

import dev.pgwarden.cli.cluster.Cluster;
import dev.pgwarden.cli.cluster.ClusterException;
import dev.pgwarden.cli.cluster.ClusterOptions;
import dev.pgwarden.cli.cluster.RecordingLookup;
import dev.pgwarden.cli.cluster.RecordingLookup.PolicyRecordings;
import dev.pgwarden.cli.recordings.ChainCheck;
import dev.pgwarden.cli.recordings.RecordedLine;
import dev.pgwarden.cli.recordings.RecordingSource;
import dev.pgwarden.cli.recordings.RecordingVisitor;
import dev.pgwarden.cli.recordings.SessionReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pgwarden replay}: lists recorded sessions, or shows one as the agent saw it, and with
 * {@code --follow} keeps showing a live session's events as its parts reach the store.
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = "List recorded sessions, or show one as a psql-like transcript.")
public final class ReplayCommand implements Callable<Integer> {
    @Parameters(
            paramLabel = "SOURCE",
            arity = "0..1",
            description = "s3://BUCKET/PREFIX, the directory recordings are stored in, or an audit log file (.jsonl,"
                    + " .gz). Not with --policy.")
    String source;

    @Option(
            names = "--policy",
            paramLabel = "NAME",
            description = "With --cluster (the default as `kubectl pgwarden`): read the sessions where this"
                    + " DatabaseAccessPolicy records them (spec.recording.s3), with the keys of its credentials Secret"
                    + " unless AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set.")
    String policy;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--list", description = "List the sessions: start, subject, policy, statements, ended or open.")
    boolean list;

    @Option(names = "--session", paramLabel = "ID", description = "Show this session.")
    String session;

    @Option(names = "--follow", description = "Keep showing the session's new events until it ends (Ctrl-C stops).")
    boolean follow;

    @Option(
            names = "--poll",
            paramLabel = "DURATION",
            defaultValue = "1s",
            converter = PollInterval.class,
            description = "How often --follow looks for new parts: 500ms, 2s... Default: ${DEFAULT-VALUE}.")
    Duration poll;

    @Option(
            names = "--key-file",
            paramLabel = "FILE",
            description = "The audit key: warn (on stderr) where the recording does not verify.")
    Path keyFile;

    @Mixin
    SourceOptions sourceOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException, ClusterException {
        if (list == (session != null)) {
            throw new ParameterException(spec.commandLine(), "give either --list or --session ID");
        }
        if (follow && session == null) {
            throw new ParameterException(spec.commandLine(), "--follow needs --session ID");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (RecordingSource recordings = open()) {
            if (list) {
                return list(recordings, out, err);
            }
            return show(recordings, out, err);
        }
    }

    /** SOURCE as given, or the store of --policy, as the cluster names it. */
    private RecordingSource open() throws IOException, ClusterException {
        if (policy == null) {
            if (source == null) {
                throw new ParameterException(
                        spec.commandLine(),
                        "give SOURCE (s3://BUCKET/PREFIX, a directory or an audit log), or --policy NAME with --cluster");
            }
            String option = cluster.clusterOptionGiven();
            if (option != null) {
                throw new ParameterException(
                        spec.commandLine(), option + " chooses the cluster --policy is read from: give --policy NAME");
            }
            return sourceOptions.open(source);
        }
        if (source != null) {
            throw new ParameterException(spec.commandLine(), "give SOURCE or --policy, not both");
        }
        if (!cluster.selected()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--policy reads where a policy records from a cluster: add --cluster (as `kubectl pgwarden` it is the"
                            + " default)");
        }
        PolicyRecordings store;
        try (Cluster c = cluster.connect()) {
            store = RecordingLookup.find(c, policy, !sourceOptions.hasCredentials());
        }
        source = store.source(); // what the messages below name
        return sourceOptions.open(store);
    }

    private int list(RecordingSource recordings, PrintWriter out, PrintWriter err) throws IOException {
        SessionList sessions = new SessionList();
        recordings.readAll(sessions);
        sessions.problems().forEach(p -> err.println("pgwarden: warning: " + p));
        if (sessions.isEmpty()) {
            err.println("pgwarden: no recorded sessions in " + source);
            return 1;
        }
        sessions.print(out);
        return 0;
    }

    private int show(RecordingSource recordings, PrintWriter out, PrintWriter err)
            throws IOException, InterruptedException {
        ChainCheck check = keyFile == null ? null : new ChainCheck(AuditKeyFile.load(keyFile), session);
        Transcript transcript = new Transcript(out);
        Shown shown = new Shown(transcript, check, err);
        SessionReader reader = recordings.reader(session);
        reader.readNew(shown);
        if (!reader.found() && !follow) {
            err.println("pgwarden: no session " + session + " in " + source);
            return 1;
        }
        if (!reader.found()) {
            err.println("pgwarden: waiting for session " + session + " to appear in " + source + "...");
        }
        while (follow && !transcript.ended()) {
            Thread.sleep(poll.toMillis());
            reader.readNew(shown);
        }
        if (!transcript.ended()) {
            transcript.unfinished();
        }
        shown.warnIfBroken(); // the first break may read differently once every line is known
        return 0;
    }

    /** Prints each event once as it is read, and warns where the chain breaks without stopping. */
    private final class Shown implements RecordingVisitor {
        private final Transcript transcript;
        private final ChainCheck check;
        private final PrintWriter err;
        private boolean titled;
        private String warned;

        Shown(Transcript transcript, ChainCheck check, PrintWriter err) {
            this.transcript = transcript;
            this.check = check;
            this.err = err;
        }

        @Override
        public void line(String s, RecordedLine line) {
            title();
            if (check != null) {
                check.line(line);
                warnIfBroken();
            }
            if (line.event() == null) {
                err.println("pgwarden: warning: " + line.where() + " is not a JSON event; skipped");
            } else {
                transcript.event(line.event());
            }
        }

        @Override
        public void problem(String s, String problem) {
            title();
            err.println("pgwarden: warning: " + problem);
            if (check != null) {
                check.problem(problem);
                if (warned == null) {
                    warned = check.firstBreak(); // just printed as it is
                }
            }
        }

        private void title() {
            if (!titled) {
                titled = true;
                transcript.title(session);
            }
        }

        void warnIfBroken() {
            String first = check == null ? null : check.firstBreak();
            if (first != null && !Objects.equals(first, warned)) {
                warned = first;
                err.println("pgwarden: warning: the recording does not verify: " + first);
            }
            err.flush();
        }
    }

    /** "500ms", "2s", "1m", or a number of seconds. */
    static final class PollInterval implements ITypeConverter<Duration> {
        private static final Pattern FORMAT = Pattern.compile("(\\d+)(ms|s|m)?");

        @Override
        public Duration convert(String value) {
            Matcher m = FORMAT.matcher(value.strip());
            if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
                throw new IllegalArgumentException("not a poll interval: " + value + " (give 500ms, 2s or 1m)");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2) == null ? "s" : m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
            };
        }
    }
}
