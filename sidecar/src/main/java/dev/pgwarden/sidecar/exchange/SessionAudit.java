package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.audit.AuditSink;
import dev.pgwarden.sidecar.audit.NoticeSent;
import dev.pgwarden.sidecar.audit.ResultRows;
import dev.pgwarden.sidecar.audit.StatementAudited;
import dev.pgwarden.sidecar.audit.Timestamps;
import dev.pgwarden.sidecar.masking.plan.MaskPlan;
import dev.pgwarden.sidecar.ops.ProxyMetrics;
import dev.pgwarden.sidecar.protocol.message.CommandComplete;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.SqlNames;
import java.util.List;

/** Turns one session's statement outcomes into audit events, stamped with who and where. */
public final class SessionAudit {
    /** Statements longer than this are cut in the audit line (the length is kept in the marker). */
    private static final int MAX_STATEMENT_CHARS = 100_000;

    private final AuditSink sink;
    private final ProxyMetrics metrics;
    private final String session;
    private final String subject;
    private final String policy;
    private final String database;
    private long statements;
    /** Read per statement: a policy reload may add or remove masking while the session runs. */
    private final java.util.function.BooleanSupplier masking;
    /** The classification whose {@link #tables} were sorted last. */
    private Classification tablesOf;

    private List<String> tables;
    /** The first rows of each result, when the policy records them; null otherwise. */
    private ResultSample sample;
    /** Rows the session's statements changed, by their command tags (limits.maxRowsChangedPerSession). */
    private long rowsChanged;
    /** A result limit ended the statement now answering: its event says so instead of what the server said. */
    private String limitedBy;

    public SessionAudit(
            AuditSink sink, ProxyMetrics metrics, String session, String subject, String policy, String database) {
        this(sink, metrics, session, subject, policy, database, false);
    }

    /** @param masking the policy masks columns: statements that may hold masked values are audited by fingerprint */
    public SessionAudit(
            AuditSink sink,
            ProxyMetrics metrics,
            String session,
            String subject,
            String policy,
            String database,
            boolean masking) {
        this(sink, metrics, session, subject, policy, database, () -> masking);
    }

    public SessionAudit(
            AuditSink sink,
            ProxyMetrics metrics,
            String session,
            String subject,
            String policy,
            String database,
            java.util.function.BooleanSupplier masking) {
        this.masking = masking;
        this.sink = sink;
        this.metrics = metrics;
        this.session = session;
        this.subject = subject;
        this.policy = policy;
        this.database = database;
    }

    public void statement(
            String protocol,
            String sql,
            List<String> parameters,
            String outcome,
            String tag,
            long durationNanos,
            String sqlState,
            StatementDecision decision) {
        statement(protocol, sql, parameters, outcome, tag, durationNanos, sqlState, null, decision);
    }

    /** @param message the error the agent got (as it got it), for outcomes error and refused */
    public void statement(
            String protocol,
            String sql,
            List<String> parameters,
            String outcome,
            String tag,
            long durationNanos,
            String sqlState,
            String message,
            StatementDecision decision) {
        statements++;
        if (limitedBy != null && (outcome.equals("ok") || outcome.equals("suspended") || outcome.equals("error"))) {
            outcome = "limited";
            sqlState = dev.pgwarden.sidecar.protocol.SqlState.PROGRAM_LIMIT_EXCEEDED;
            message = limitedBy;
            limitedBy = null;
        }
        if (outcome.equals("ok") || outcome.equals("limited")) {
            rowsChanged += ChangedRows.of(tag, decision);
        }
        metrics.statement(outcome);
        if (sample != null
                && (outcome.equals("ok")
                        || outcome.equals("suspended")
                        || outcome.equals("error")
                        || outcome.equals("limited"))) {
            // Rows arrive before the statement completes; refused and skipped ones never produced any.
            ResultSample.Sample rows = sample.take();
            if (rows != null) {
                sink.emit(new ResultRows(
                        Timestamps.now(),
                        session,
                        rows.columns(),
                        rows.rows(),
                        rows.truncated() ? Boolean.TRUE : null));
            }
        }
        List<String> masked = null;
        if (masking.getAsBoolean()) {
            MaskPlan plan = decision == null ? null : decision.mask();
            if (plan == null || plan.sensitive()) {
                // Literals and parameters may be masked values the agent looked up: the audit keeps the shape only.
                sql = SqlNames.fingerprint(sql);
                parameters = parameters == null
                        ? null
                        : parameters.stream()
                                .map(p -> p == null ? null : "[redacted]")
                                .toList();
            }
            masked = plan == null || plan.touched().isEmpty() ? null : plan.touched();
        }
        if (durationNanos >= 0) {
            metrics.statementDuration(durationNanos);
        }
        sink.emit(new StatementAudited(
                Timestamps.now(),
                session,
                subject,
                policy,
                database,
                protocol,
                clip(sql),
                parameters == null || parameters.isEmpty() ? null : parameters,
                outcome,
                tag,
                CommandComplete.rows(tag),
                durationNanos < 0 ? null : Math.round(durationNanos / 1_000.0) / 1_000.0,
                sqlState,
                decision == null ? null : decision.classification().kind().name(),
                effects(decision),
                tables(decision),
                decision == null ? null : decision.verdict().action().name(),
                decision == null ? null : decision.verdict().rule(),
                decision == null ? null : decision.approval(),
                decision == null ? null : decision.approvalOutcome(),
                decision == null ? null : decision.reviewer(),
                masked,
                clip(message),
                decision == null ? null : decision.reason()));
    }

    /** A notice or warning as the agent received it. */
    public void notice(String severity, String sqlState, String message) {
        sink.emit(new NoticeSent(Timestamps.now(), session, severity, sqlState, clip(message)));
    }

    /** Records the first {@code maxRows} rows of every result, as the agent receives them. */
    public ResultSample sampleRows(int maxRows) {
        sample = new ResultSample(maxRows);
        return sample;
    }

    /** Every kind the statement performs, when that is more than its own kind. */
    private static List<String> effects(StatementDecision d) {
        if (d == null || d.classification().effects().size() <= 1) {
            return null;
        }
        return d.classification().effectsInOrder().stream().map(Enum::name).toList();
    }

    private List<String> tables(StatementDecision d) {
        if (d == null
                || d.classification().reads().isEmpty()
                        && d.classification().writes().isEmpty()) {
            return null;
        }
        if (d.classification() != tablesOf) {
            // A session repeats its statements: their tables are sorted once per shape in a row.
            java.util.TreeSet<String> all =
                    new java.util.TreeSet<>(d.classification().reads());
            all.addAll(d.classification().writes());
            tablesOf = d.classification();
            tables = List.copyOf(all);
        }
        return tables;
    }

    public long statements() {
        return statements;
    }

    /** Rows changed so far by the session's statements that completed (INSERT, UPDATE, DELETE, MERGE, COPY FROM). */
    public long rowsChanged() {
        return rowsChanged;
    }

    /**
     * A result limit stopped the statement whose answers arrive now: its audit event records the
     * outcome {@code limited}, error 54000 and {@code message}, whatever the server answers for it
     * once cancelled.
     */
    public void resultLimited(String message) {
        limitedBy = message;
    }

    private static String clip(String sql) {
        if (sql == null || sql.length() <= MAX_STATEMENT_CHARS) {
            return sql;
        }
        return sql.substring(0, MAX_STATEMENT_CHARS) + "...(" + sql.length() + " characters)";
    }
}
