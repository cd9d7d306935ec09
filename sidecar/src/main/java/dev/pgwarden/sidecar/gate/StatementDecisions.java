package dev.pgwarden.sidecar.gate;

import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.exchange.PendingChanges;
import dev.pgwarden.sidecar.exchange.Portal;
import dev.pgwarden.sidecar.exchange.SessionObjects;
import dev.pgwarden.sidecar.gate.StatementGate.Step;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.message.Execute;
import dev.pgwarden.sidecar.protocol.message.Parse;
import dev.pgwarden.sidecar.protocol.message.Query;
import dev.pgwarden.sidecar.sql.StatementSplitter;
import java.util.List;

/**
 * What the gate decides for each statement message: a Query's statements ({@link QueryDecisions}),
 * a Parse or an Execute ({@link ExtendedDecisions}). This class wires the parts they share (the
 * judge, the approvals, the {@link Resolutions} a waiting message keeps) and checks what every
 * statement passes first: a valid policy and a current masking catalog.
 */
final class StatementDecisions {
    private final GateContext context;
    private final Exchange exchange;
    private final SessionObjects objects;
    private final StatementGate gate;
    private final ApprovalFlow approvals;
    private final Resolutions resolutions;
    private final QueryDecisions queries;
    private final ExtendedDecisions extended;

    StatementDecisions(GateContext context, Exchange exchange, GateOutput out, StatementGate gate) {
        this.context = context;
        this.exchange = exchange;
        this.objects = exchange.objects();
        this.gate = gate;
        StatementJudge judge = new StatementJudge(
                context, objects, exchange.masking(), new LimitGuards(context, exchange::rowsChanged));
        this.approvals = new ApprovalFlow(context, out);
        this.resolutions = new Resolutions(context, out, gate);
        this.queries = new QueryDecisions(context, exchange, out, gate, judge, approvals, resolutions);
        this.extended = new ExtendedDecisions(context, exchange, out, gate, judge, approvals, resolutions);
    }

    /** Simple protocol: a Query. */
    QueryDecisions queries() {
        return queries;
    }

    /** Extended protocol: a Parse, an Execute, and the trial a batch may run in. */
    ExtendedDecisions extended() {
        return extended;
    }

    void close() {
        approvals.withdraw();
    }

    /**
     * Before a Query, Parse or Execute: a fresh statement (not one resumed after a wait) is judged
     * by the newest policy, once the masking catalog is current.
     *
     * @return the step when the statement cannot be judged now, else null
     */
    Step beforeStatement(PgMessage m) {
        if (resolutions.peek() == null) {
            String broken = context.live().beforeStatement();
            exchange.masking().use(context.masking());
            if (broken != null) {
                return refuseWithoutPolicy(m, broken);
            }
        }
        return resolutions.catalogCurrent() ? null : Step.WAIT;
    }

    // ---------------------------------------------------------------- refusals before judging

    /** The newest policy is invalid: every statement is refused, saying why, until a valid one is mounted. */
    private Step refuseWithoutPolicy(PgMessage m, String reason) {
        if (m.type() == ProtocolCodes.QUERY) {
            return gate.refuseQuery(
                    Refusals.withoutPolicy(
                            StatementSplitter.split(Query.read(m.body()).sql()), reason),
                    PendingChanges.NONE);
        }
        if (m.type() == ProtocolCodes.PARSE) {
            String sql = Parse.sqlOf(m.body());
            return gate.refuseExtended(
                    sql, List.of(), Refusals.withoutPolicy(List.of(sql), reason), PendingChanges.NONE);
        }
        String portal = Execute.portalOf(m.body());
        Portal first = objects.portal(portal).stream().findFirst().orElse(null);
        if (first == null && exchange.discarding()) {
            exchange.execute(portal, null, null, null, PendingChanges.NONE, null);
            return Step.FORWARD;
        }
        String sql = ExtendedDecisions.sqlOf(first);
        return gate.refuseExtended(
                sql,
                first instanceof Portal.Bound b ? b.parameters() : List.of(),
                Refusals.withoutPolicy(List.of(sql == null ? "" : sql), reason),
                PendingChanges.NONE);
    }
}
