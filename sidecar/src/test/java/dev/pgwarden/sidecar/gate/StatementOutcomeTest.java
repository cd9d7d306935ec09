package dev.pgwarden.sidecar.gate;

import static dev.pgwarden.sidecar.protocol.Frames.bind;
import static dev.pgwarden.sidecar.protocol.Frames.bindComplete;
import static dev.pgwarden.sidecar.protocol.Frames.commandComplete;
import static dev.pgwarden.sidecar.protocol.Frames.dataRow;
import static dev.pgwarden.sidecar.protocol.Frames.error;
import static dev.pgwarden.sidecar.protocol.Frames.execute;
import static dev.pgwarden.sidecar.protocol.Frames.flush;
import static dev.pgwarden.sidecar.protocol.Frames.notice;
import static dev.pgwarden.sidecar.protocol.Frames.parse;
import static dev.pgwarden.sidecar.protocol.Frames.parseComplete;
import static dev.pgwarden.sidecar.protocol.Frames.portalSuspended;
import static dev.pgwarden.sidecar.protocol.Frames.query;
import static dev.pgwarden.sidecar.protocol.Frames.readyForQuery;
import static dev.pgwarden.sidecar.protocol.Frames.rowDescription;
import static dev.pgwarden.sidecar.protocol.Frames.sync;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.pgwarden.sidecar.audit.NoticeSent;
import dev.pgwarden.sidecar.audit.StatementAudited;
import dev.pgwarden.sidecar.protocol.Frames;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What becomes of each statement once it is sent, as the pending requests pair the server's
 * answers with what the client sent: ok, error, skipped (a statement of the same batch failed
 * first), suspended, interrupted. Fed with the server's frames, no PostgreSQL.
 */
@Timeout(30)
class StatementOutcomeTest {
    private static final byte[] DIVISION_BY_ZERO = error("22012", "division by zero");

    @Test
    void aQueryOfSeveralStatementsIsAuditedStatementByStatement() {
        try (GateHarness h = new GateHarness()) {
            h.client(query("SELECT 1; SELECT 1/0; SELECT 3")).settle();
            assertThat(h.queriesSent()).containsExactly("SELECT 1; SELECT 1/0; SELECT 3");
            List<Frames.Msg> toClient = h.server(
                    rowDescription("?column?"),
                    dataRow("1"),
                    commandComplete("SELECT 1"),
                    DIVISION_BY_ZERO,
                    readyForQuery('I'));
            assertThat(toClient).extracting(Frames.Msg::type).containsExactly('T', 'D', 'C', 'E', 'Z');
            assertThat(toClient.get(3).message()).isEqualTo("division by zero");
            assertThat(h.statements())
                    .extracting(
                            StatementAudited::statement,
                            StatementAudited::outcome,
                            StatementAudited::sqlstate,
                            StatementAudited::protocol)
                    .containsExactly(
                            tuple("SELECT 1", "ok", null, "simple"),
                            tuple("SELECT 1/0", "error", "22012", "simple"),
                            tuple("SELECT 3", "skipped", null, "simple"));
            assertThat(h.statements().get(1).message()).isEqualTo("division by zero");
        }
    }

    @Test
    void anExtendedErrorSkipsTheLaterExecutesOfItsBatchUntilSync() {
        try (GateHarness h = new GateHarness()) {
            h.client(
                            parse("", "SELECT 1/0"),
                            bind("", ""),
                            execute(""),
                            parse("", "SELECT 2"),
                            bind("", ""),
                            execute(""),
                            sync(),
                            parse("", "SELECT 3"),
                            bind("", ""),
                            execute(""),
                            sync())
                    .settle();
            assertThat(h.typesSent()).isEqualTo("PBEPBESPBES");
            List<Frames.Msg> toClient = h.server(
                    parseComplete(),
                    bindComplete(),
                    DIVISION_BY_ZERO,
                    readyForQuery('I'),
                    parseComplete(),
                    bindComplete(),
                    dataRow("3"),
                    commandComplete("SELECT 1"),
                    readyForQuery('I'));
            assertThat(toClient)
                    .extracting(Frames.Msg::type)
                    .containsExactly('1', '2', 'E', 'Z', '1', '2', 'D', 'C', 'Z');
            assertThat(h.statements())
                    .extracting(
                            StatementAudited::statement,
                            StatementAudited::outcome,
                            StatementAudited::sqlstate,
                            StatementAudited::protocol)
                    .containsExactly(
                            tuple("SELECT 1/0", "error", "22012", "extended"),
                            tuple("SELECT 2", "skipped", null, "extended"),
                            tuple("SELECT 3", "ok", null, "extended"));
        }
    }

    @Test
    void aFailedParseIsTheErrorOfTheExecuteThatFollowsIt() {
        try (GateHarness h = new GateHarness()) {
            h.client(parse("", "SELECT nope FROM nowhere"), bind("", ""), execute(""), sync())
                    .settle();
            h.server(error("42P01", "relation \"nowhere\" does not exist"), readyForQuery('I'));
            StatementAudited a = h.onlyStatement();
            assertThat(a.statement()).isEqualTo("SELECT nope FROM nowhere");
            assertThat(a.outcome()).isEqualTo("error");
            assertThat(a.sqlstate()).isEqualTo("42P01");
        }
    }

    @Test
    void executesSentAfterAnErrorBeforeTheirSyncAreSkipped() {
        String update = "UPDATE orders SET total = 1 WHERE id = 1";
        try (GateHarness h = new GateHarness()) {
            h.client(parse("", update), bind("", ""), execute(""), flush()).settle();
            h.server(parseComplete(), bindComplete(), error("23505", "duplicate key value violates unique constraint"));
            assertThat(h.statements())
                    .extracting(StatementAudited::statement, StatementAudited::outcome)
                    .containsExactly(tuple(update, "error"));

            // The client has not seen the error yet and goes on; the server ignores all of it until Sync.
            h.client(bind("", ""), execute(""), sync()).settle();
            assertThat(h.statements())
                    .extracting(StatementAudited::statement, StatementAudited::outcome)
                    .containsExactly(tuple(update, "error"), tuple(update, "skipped"));
            assertThat(h.server(readyForQuery('I')))
                    .extracting(Frames.Msg::type)
                    .containsExactly('Z');

            h.client(parse("", "SELECT 4"), bind("", ""), execute(""), sync()).settle();
            h.server(parseComplete(), bindComplete(), dataRow("4"), commandComplete("SELECT 1"), readyForQuery('I'));
            assertThat(h.statements())
                    .extracting(StatementAudited::statement, StatementAudited::outcome)
                    .containsExactly(tuple(update, "error"), tuple(update, "skipped"), tuple("SELECT 4", "ok"));
        }
    }

    @Test
    void aPortalThatStopsAtItsRowLimitIsSuspendedAndItsNextExecuteCompletes() {
        try (GateHarness h = new GateHarness()) {
            h.client(parse("", "SELECT generate_series(1, 3)"), bind("", ""), execute("", 2), sync())
                    .settle();
            h.server(
                    parseComplete(), bindComplete(), dataRow("1"), dataRow("2"), portalSuspended(), readyForQuery('T'));
            h.client(execute("", 2), sync()).settle();
            h.server(dataRow("3"), commandComplete("SELECT 1"), readyForQuery('T'));
            assertThat(h.statements()).extracting(StatementAudited::outcome).containsExactly("suspended", "ok");
        }
    }

    @Test
    void statementsStillWaitingWhenTheClientLeavesAreInterrupted() {
        try (GateHarness h = new GateHarness()) {
            h.client(query("SELECT pg_sleep(10); SELECT 2"), parse("", "SELECT 3"), bind("", ""), execute(""), sync())
                    .settle();
            h.exchange.interrupted();
            assertThat(h.statements())
                    .extracting(StatementAudited::statement, StatementAudited::outcome)
                    .containsExactly(
                            tuple("SELECT pg_sleep(10)", "interrupted"),
                            tuple("SELECT 2", "interrupted"),
                            tuple("SELECT 3", "interrupted"));
        }
    }

    @Test
    void anEmptyQueryAuditsNothingAndEndsAtItsReadyForQuery() {
        try (GateHarness h = new GateHarness()) {
            h.client(query("")).settle();
            assertThat(h.server(Frames.emptyQuery(), readyForQuery('I')))
                    .extracting(Frames.Msg::type)
                    .containsExactly('I', 'Z');
            h.client(query("SELECT 5")).settle();
            h.server(dataRow("5"), commandComplete("SELECT 1"), readyForQuery('I'));
            assertThat(h.statements())
                    .extracting(StatementAudited::statement, StatementAudited::outcome)
                    .containsExactly(tuple("SELECT 5", "ok"));
        }
    }

    @Test
    void noticesReachTheClientAndTheAudit() {
        try (GateHarness h = new GateHarness()) {
            h.client(query("CREATE TABLE IF NOT EXISTS orders (id int)")).settle();
            List<Frames.Msg> toClient = h.server(
                    notice("42P07", "relation \"orders\" already exists, skipping"),
                    commandComplete("CREATE TABLE"),
                    readyForQuery('I'));
            assertThat(toClient).extracting(Frames.Msg::type).containsExactly('N', 'C', 'Z');
            assertThat(h.audit)
                    .filteredOn(NoticeSent.class::isInstance)
                    .singleElement()
                    .satisfies(n -> assertThat(((NoticeSent) n).message())
                            .isEqualTo("relation \"orders\" already exists, skipping"));
        }
    }
}
