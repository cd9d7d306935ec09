package dev.pgwarden.sidecar.gate;

import static dev.pgwarden.sidecar.protocol.Frames.bind;
import static dev.pgwarden.sidecar.protocol.Frames.bindComplete;
import static dev.pgwarden.sidecar.protocol.Frames.commandComplete;
import static dev.pgwarden.sidecar.protocol.Frames.dataRow;
import static dev.pgwarden.sidecar.protocol.Frames.error;
import static dev.pgwarden.sidecar.protocol.Frames.execute;
import static dev.pgwarden.sidecar.protocol.Frames.parse;
import static dev.pgwarden.sidecar.protocol.Frames.parseComplete;
import static dev.pgwarden.sidecar.protocol.Frames.query;
import static dev.pgwarden.sidecar.protocol.Frames.readyForQuery;
import static dev.pgwarden.sidecar.protocol.Frames.rowDescription;
import static dev.pgwarden.sidecar.protocol.Frames.sync;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.sidecar.approval.LocalApprovalGate;
import dev.pgwarden.sidecar.audit.StatementAudited;
import dev.pgwarden.sidecar.protocol.Frames;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Statements the gate holds: for classification on the worker pool, and for a human's decision.
 * While one waits the gate stops reading from the client and nothing the client sent after it
 * reaches the server; the decision lets everything through in the order it was sent, or refuses
 * the held statement alone.
 */
@Timeout(30)
class StatementGateHoldTest {
    private static final String DELETE = "DELETE FROM orders";

    /** A harness whose classifier already knows the statements, so the only wait is the one under test. */
    private static GateHarness harness(String yaml, String... known) {
        GateHarness h = new GateHarness(yaml);
        for (String s : known) {
            h.classifier.classifyNow(s);
        }
        return h;
    }

    private static LocalApprovalGate.Entry waitingForApproval(GateHarness h) {
        h.until(() -> !h.notices.isEmpty(), "the notice that the statement waits for approval");
        assertThat(h.approvals.list()).hasSize(1);
        LocalApprovalGate.Entry e = h.approvals.list().get(0);
        assertThat(e.phase()).isEqualTo("Pending");
        Frames.Msg notice = h.notices.get(0);
        assertThat(notice.type()).isEqualTo('N');
        assertThat(notice.message())
                .contains("waiting for approval " + e.name())
                .contains("rule unbounded-writes")
                .contains("pgwarden approve " + e.name());
        return e;
    }

    @Test
    void aHeldQueryPausesReadingAndRunsWhenApprovedWithWhatFollowedInOrder() {
        try (GateHarness h = harness(GateHarness.readWrite(), DELETE, "SELECT 1")) {
            h.client(query(DELETE), query("SELECT 1"));
            assertThat(h.paused()).isTrue();
            assertThat(h.pauses).containsExactly(true);
            LocalApprovalGate.Entry entry = waitingForApproval(h);
            assertThat(entry.request().statement()).isEqualTo(DELETE);
            assertThat(h.toServer).as("nothing passes the held statement").isEmpty();

            h.client(query("SELECT 1"));
            assertThat(h.toServer)
                    .as("nor what the client sends while it waits")
                    .isEmpty();

            assertThat(h.approvals.decide(entry.name(), true, "alice", "fine")).isTrue();
            h.settle();
            assertThat(h.queriesSent()).containsExactly(DELETE, "SELECT 1", "SELECT 1");
            assertThat(h.pauses).containsExactly(true, false);

            h.server(commandComplete("DELETE 3"), readyForQuery('I'));
            StatementAudited a = h.statements().get(0);
            assertThat(a.statement()).isEqualTo(DELETE);
            assertThat(a.outcome()).isEqualTo("ok");
            assertThat(a.decision()).isEqualTo("RequireApproval");
            assertThat(a.approval()).isEqualTo(entry.name());
            assertThat(a.approvalOutcome()).isEqualTo("approved");
            assertThat(a.reviewer()).isEqualTo("alice");
            assertThat(entry.phase())
                    .as("the approval learns that its statement ran")
                    .isEqualTo("Executed");
        }
    }

    @Test
    void aHeldExecuteKeepsTheRestOfThePipelineBehindIt() {
        try (GateHarness h = harness(GateHarness.readWrite(), DELETE, "SELECT 1")) {
            h.client(
                    parse("", DELETE),
                    bind("", ""),
                    execute(""),
                    sync(),
                    parse("", "SELECT 1"),
                    bind("", ""),
                    execute(""),
                    sync());
            LocalApprovalGate.Entry entry = waitingForApproval(h);
            assertThat(h.typesSent())
                    .as("what came before the held Execute went on")
                    .isEqualTo("PB");

            h.approvals.decide(entry.name(), true, "alice", null);
            h.settle();
            assertThat(h.typesSent()).isEqualTo("PBESPBES");
            assertThat(h.toServer.get(4).parseSql()).isEqualTo("SELECT 1");

            List<Frames.Msg> toClient = h.server(
                    parseComplete(),
                    bindComplete(),
                    commandComplete("DELETE 2"),
                    readyForQuery('I'),
                    parseComplete(),
                    bindComplete(),
                    dataRow("1"),
                    commandComplete("SELECT 1"),
                    readyForQuery('I'));
            assertThat(toClient)
                    .extracting(Frames.Msg::type)
                    .containsExactly('1', '2', 'C', 'Z', '1', '2', 'D', 'C', 'Z');
            assertThat(h.statements())
                    .extracting(
                            StatementAudited::statement, StatementAudited::outcome, StatementAudited::approvalOutcome)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(DELETE, "ok", "approved"),
                            org.assertj.core.groups.Tuple.tuple("SELECT 1", "ok", null));
        }
    }

    @Test
    void aDeniedStatementIsRefusedAndWhatFollowedItRuns() {
        try (GateHarness h = harness(GateHarness.readWrite(), DELETE, "SELECT 1")) {
            h.client(query(DELETE), query("SELECT 1"));
            LocalApprovalGate.Entry entry = waitingForApproval(h);
            h.approvals.decide(entry.name(), false, "bob", "use a WHERE clause");
            h.settle();
            assertThat(h.queriesSent()).containsExactly(StatementGate.REFUSED_SQL, "SELECT 1");

            List<Frames.Msg> toClient = h.server(
                    error("42601", "syntax error at or near \"pgwarden\""),
                    readyForQuery('I'),
                    rowDescription("?column?"),
                    dataRow("1"),
                    commandComplete("SELECT 1"),
                    readyForQuery('I'));
            assertThat(toClient).extracting(Frames.Msg::type).containsExactly('E', 'Z', 'T', 'D', 'C', 'Z');
            assertThat(toClient.get(0).sqlState()).isEqualTo("42501");
            assertThat(toClient.get(0).message())
                    .isEqualTo("pgwarden: bob denied approval " + entry.name() + ": use a WHERE clause");
            assertThat(h.statements())
                    .extracting(StatementAudited::statement, StatementAudited::outcome)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(DELETE, "refused"),
                            org.assertj.core.groups.Tuple.tuple("SELECT 1", "ok"));
            StatementAudited refused = h.statements().get(0);
            assertThat(refused.approvalOutcome()).isEqualTo("denied");
            assertThat(refused.reviewer()).isEqualTo("bob");
            assertThat(refused.sqlstate()).isEqualTo("42501");
        }
    }

    @Test
    void aDeniedExecuteIsReplacedAndTheServerSkipsToSync() {
        try (GateHarness h = harness(GateHarness.readWrite(), DELETE, "SELECT 1")) {
            h.client(
                    parse("", DELETE),
                    bind("", ""),
                    execute(""),
                    parse("", "SELECT 1"),
                    bind("", ""),
                    execute(""),
                    sync());
            LocalApprovalGate.Entry entry = waitingForApproval(h);
            h.approvals.decide(entry.name(), false, "bob", null);
            h.settle();
            assertThat(h.typesSent()).isEqualTo("PBPPBES");
            assertThat(h.toServer.get(2).parseNameAndSql())
                    .containsExactly("pgwarden_refused", StatementGate.REFUSED_SQL);

            List<Frames.Msg> toClient = h.server(
                    parseComplete(),
                    bindComplete(),
                    error("42601", "syntax error at or near \"pgwarden\""),
                    readyForQuery('I'));
            assertThat(toClient).extracting(Frames.Msg::type).containsExactly('1', '2', 'E', 'Z');
            assertThat(toClient.get(2).message()).isEqualTo("pgwarden: bob denied approval " + entry.name());
            assertThat(h.statements())
                    .extracting(StatementAudited::statement, StatementAudited::outcome)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(DELETE, "refused"),
                            org.assertj.core.groups.Tuple.tuple("SELECT 1", "skipped"));
        }
    }

    @Test
    void aRequestNobodyDecidesExpiresWith57014() {
        GateHarness.Options o = GateHarness.options(GateHarness.readWrite());
        // The session's clock runs the approval timeout behind: its request expires as soon as it is made.
        o.clock = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10).negated());
        try (GateHarness h = new GateHarness(o)) {
            h.classifier.classifyNow(DELETE);
            h.client(query(DELETE));
            h.settle();
            assertThat(h.queriesSent()).containsExactly(StatementGate.REFUSED_SQL);
            List<Frames.Msg> toClient = h.server(error("42601", "syntax error"), readyForQuery('I'));
            assertThat(toClient.get(0).sqlState()).isEqualTo("57014");
            assertThat(toClient.get(0).message())
                    .matches("pgwarden: approval pgw-[a-z0-9]+ was not decided within 10m");
            StatementAudited a = h.onlyStatement();
            assertThat(a.outcome()).isEqualTo("refused");
            assertThat(a.approvalOutcome()).isEqualTo("expired");
        }
    }

    @Test
    void retryModeRefusesAtOnceNamingTheRequestAndRunsTheIdenticalStatementOnceApproved() {
        try (GateHarness h = harness(GateHarness.policy("ReadWrite", "Deny", "Retry"), DELETE)) {
            h.client(query(DELETE)).settle();
            assertThat(h.notices).isEmpty();
            assertThat(h.queriesSent()).containsExactly(StatementGate.REFUSED_SQL);
            Frames.Msg refusal =
                    h.server(error("42601", "syntax error"), readyForQuery('I')).get(0);
            LocalApprovalGate.Entry entry = h.approvals.list().get(0);
            assertThat(refusal.sqlState()).isEqualTo("42501");
            assertThat(refusal.message())
                    .isEqualTo("pgwarden: this statement needs approval; requested as " + entry.name()
                            + " (rule unbounded-writes)");

            h.approvals.decide(entry.name(), true, "alice", null);
            h.toServer.clear();
            h.client(query(DELETE)).settle();
            assertThat(h.queriesSent()).containsExactly(DELETE);
            h.server(commandComplete("DELETE 1"), readyForQuery('I'));
            assertThat(h.statements().get(1).approvalOutcome()).isEqualTo("approved");

            h.toServer.clear();
            h.client(query(DELETE)).settle();
            assertThat(h.queriesSent()).as("an approval covers one run").containsExactly(StatementGate.REFUSED_SQL);
        }
    }

    @Test
    void aStatementWaitingForClassificationHoldsWhatFollows() {
        try (GateHarness h = harness(GateHarness.readWrite(), "SELECT 1")) {
            h.client(query("SELECT id, name FROM customers WHERE id = 42"), query("SELECT 1"));
            assertThat(h.paused()).isTrue();
            assertThat(h.toServer).isEmpty();
            h.settle();
            assertThat(h.queriesSent()).containsExactly("SELECT id, name FROM customers WHERE id = 42", "SELECT 1");
            assertThat(h.pauses).containsExactly(true, false);
        }
    }

    @Test
    void messagesBeforeAStatementThatWaitsAreSentAtOnce() {
        try (GateHarness h = harness(GateHarness.readWrite(), "SELECT 1")) {
            h.client(query("SELECT 1"), query("SELECT id FROM customers WHERE name = 'x'"), query("SELECT 1"));
            assertThat(h.queriesSent()).containsExactly("SELECT 1");
            h.settle();
            assertThat(h.queriesSent())
                    .containsExactly("SELECT 1", "SELECT id FROM customers WHERE name = 'x'", "SELECT 1");
        }
    }

    @Test
    void aClientThatLeavesWithdrawsItsRequestAndNothingIsSent() {
        try (GateHarness h = harness(GateHarness.readWrite(), DELETE, "SELECT 1")) {
            h.client(query(DELETE), query("SELECT 1"));
            LocalApprovalGate.Entry entry = waitingForApproval(h);
            h.gate.close();
            assertThat(entry.phase()).isEqualTo("Withdrawn");
            h.approvals.decide(entry.name(), true, "alice", null);
            h.runQueued();
            assertThat(h.toServer).isEmpty();
        }
    }

    @Test
    void terminateGoesToTheServerAndDropsWhatFollows() {
        try (GateHarness h = harness(GateHarness.readWrite(), "SELECT 1")) {
            h.client(query("SELECT 1"), Frames.terminate(), query("SELECT 1"));
            assertThat(h.queriesSent()).containsExactly("SELECT 1");
            assertThat(h.terminated).extracting(Frames.Msg::type).containsExactly('X');
        }
    }
}
