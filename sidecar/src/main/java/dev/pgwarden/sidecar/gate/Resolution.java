package dev.pgwarden.sidecar.gate;

import dev.pgwarden.sidecar.exchange.PendingChanges;
import dev.pgwarden.sidecar.exchange.StatementDecision;
import dev.pgwarden.sidecar.sql.Classification;
import java.util.List;

/**
 * How the message at the gate's cursor was resolved while the gate waited on it. A decision that
 * cannot be made at once ends in {@link StatementGate.Step#WAIT}; what comes back is kept (see
 * {@link Resolutions}) until the gate inspects the same message again, which then takes it.
 */
sealed interface Resolution {
    record Classified(List<String> statements, List<Classification> classes) implements Resolution {}

    /** Approved: it runs as judged. */
    record Run(List<StatementJudge.Judged> judged, List<StatementDecision> decisions, ApprovalFlow.Held held)
            implements Resolution {}

    record Refused(Refusals.Refuse refuse, PendingChanges changes) implements Resolution {}

    /** The masking catalog could not be read: statements cannot be judged for masking. */
    record CatalogFailed(Throwable cause) implements Resolution {}

    /** The masking catalog is current again: inspect the message afresh. */
    record CatalogReady() implements Resolution {}

    /** Everything sent before the Query is answered: the transaction status is known. */
    record Drained() implements Resolution {}

    /** PostgreSQL said whether it can parse the statements pgwarden could not read. */
    record Checked(List<StatementJudge.Judged> judged, dev.pgwarden.sidecar.exchange.HiddenResult result)
            implements Resolution {}

    /** An Execute run as a trial ended: its count decides the rules that wait for it. */
    record ExecuteTried(
            StatementJudge.Judged judged, dev.pgwarden.sidecar.exchange.TrialExecute trial, TrialCount count)
            implements Resolution {}

    /** A trial over the limit was approved (it stands) or not (it is rolled back and refused). */
    record TrialDecided(
            StatementJudge.Judged judged,
            dev.pgwarden.sidecar.exchange.TrialExecute trial,
            ApprovalFlow.Held held,
            dev.pgwarden.sidecar.exchange.Refusal refusal)
            implements Resolution {}

    /** A trial run of the Query ended: its counts decide the rules that wait for them. */
    record TrialDone(List<StatementJudge.Judged> judged, TrialRuns.Done done) implements Resolution {}
}
