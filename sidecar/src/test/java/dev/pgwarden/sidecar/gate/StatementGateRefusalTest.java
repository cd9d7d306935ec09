package dev.pgwarden.sidecar.gate;

import static dev.pgwarden.sidecar.protocol.Frames.bind;
import static dev.pgwarden.sidecar.protocol.Frames.bindComplete;
import static dev.pgwarden.sidecar.protocol.Frames.commandComplete;
import static dev.pgwarden.sidecar.protocol.Frames.dataRow;
import static dev.pgwarden.sidecar.protocol.Frames.describePortal;
import static dev.pgwarden.sidecar.protocol.Frames.error;
import static dev.pgwarden.sidecar.protocol.Frames.execute;
import static dev.pgwarden.sidecar.protocol.Frames.functionCall;
import static dev.pgwarden.sidecar.protocol.Frames.parse;
import static dev.pgwarden.sidecar.protocol.Frames.parseComplete;
import static dev.pgwarden.sidecar.protocol.Frames.query;
import static dev.pgwarden.sidecar.protocol.Frames.readyForQuery;
import static dev.pgwarden.sidecar.protocol.Frames.rowDescription;
import static dev.pgwarden.sidecar.protocol.Frames.sync;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.sidecar.audit.StatementAudited;
import dev.pgwarden.sidecar.masking.MaskingEngine;
import dev.pgwarden.sidecar.protocol.Frames;
import dev.pgwarden.sidecar.sql.ClassifierPool;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every way the gate refuses a statement, without PostgreSQL: the refused message never reaches
 * the server, a stand-in that fails in the server's parser takes its place, and the stand-in's
 * error reaches the client as pgwarden's refusal, audited as refused.
 */
@Timeout(30)
class StatementGateRefusalTest {
    /** What PostgreSQL answers to the stand-in. */
    private static final byte[] STAND_IN_ERROR = error("42601", "syntax error at or near \"pgwarden\"");

    private static Frames.Msg onlyError(List<Frames.Msg> toClient) {
        List<Frames.Msg> errors = toClient.stream().filter(m -> m.type() == 'E').toList();
        assertThat(errors).hasSize(1);
        return errors.get(0);
    }

    /** The client's Query was refused: the server got the stand-in instead, and its error becomes the refusal. */
    private static Frames.Msg refusedQuery(GateHarness h) {
        Frames.Msg refusal = refusedWith(h);
        assertThat(refusal.message()).startsWith("pgwarden: ").doesNotContain("syntax error");
        return refusal;
    }

    /**
     * The client's Query was refused: the only Query the server got is the stand-in (a syntax check
     * sends a Parse, never a Query, outside a transaction), and the stand-in's error is what the
     * client gets.
     */
    private static Frames.Msg refusedWith(GateHarness h) {
        assertThat(h.toServer).extracting(Frames.Msg::type).last().isEqualTo('Q');
        assertThat(h.queriesSent()).containsExactly(StatementGate.REFUSED_SQL);
        List<Frames.Msg> toClient = h.server(STAND_IN_ERROR, readyForQuery('I'));
        assertThat(toClient).extracting(Frames.Msg::type).containsExactly('E', 'Z');
        return toClient.get(0);
    }

    @Test
    void anAllowedQueryReachesTheServerUnchangedAndIsAuditedOk() {
        try (GateHarness h = new GateHarness()) {
            h.client(query("SELECT 1 AS one")).settle();
            assertThat(h.queriesSent()).containsExactly("SELECT 1 AS one");
            List<Frames.Msg> toClient =
                    h.server(rowDescription("one"), dataRow("1"), commandComplete("SELECT 1"), readyForQuery('I'));
            assertThat(toClient).extracting(Frames.Msg::type).containsExactly('T', 'D', 'C', 'Z');
            StatementAudited a = h.onlyStatement();
            assertThat(a.outcome()).isEqualTo("ok");
            assertThat(a.tag()).isEqualTo("SELECT 1");
            assertThat(a.rows()).isEqualTo(1L);
            assertThat(a.decision()).isEqualTo("Allow");
            assertThat(a.statement()).isEqualTo("SELECT 1 AS one");
        }
    }

    @Test
    void aRuleDenialSendsTheStandInAndTheClientGetsTheRule() {
        try (GateHarness h = new GateHarness()) {
            h.client(query("GRANT SELECT ON orders TO public")).settle();
            Frames.Msg refusal = refusedQuery(h);
            assertThat(refusal.sqlState()).isEqualTo("42501");
            assertThat(refusal.message()).isEqualTo("pgwarden: statement denied by rule privileges");
            assertThat(refusal.fields().get('D')).contains("privileges");
            StatementAudited a = h.onlyStatement();
            assertThat(a.outcome()).isEqualTo("refused");
            assertThat(a.statement()).isEqualTo("GRANT SELECT ON orders TO public");
            assertThat(a.sqlstate()).isEqualTo("42501");
            assertThat(a.decision()).isEqualTo("Deny");
            assertThat(a.rule()).isEqualTo("privileges");
            assertThat(a.kind()).isEqualTo("GRANT");
            assertThat(a.message()).isEqualTo(refusal.message());
        }
    }

    @Test
    void oneDeniedStatementRefusesTheWholeQuery() {
        try (GateHarness h = new GateHarness()) {
            h.client(query("SELECT 1; GRANT SELECT ON orders TO public; SELECT 2"))
                    .settle();
            refusedQuery(h);
            assertThat(h.statements())
                    .extracting(StatementAudited::outcome)
                    .containsExactly("refused", "refused", "refused");
            assertThat(h.statements())
                    .extracting(StatementAudited::rule)
                    .containsExactly("defaultAction", "privileges", "defaultAction");
        }
    }

    @Test
    void readOnlyDeniesEveryWrite() {
        try (GateHarness h = new GateHarness(GateHarness.policy("ReadOnly", "Deny", "Wait"))) {
            h.client(query("INSERT INTO orders (id) VALUES (1)")).settle();
            Frames.Msg refusal = refusedQuery(h);
            assertThat(refusal.sqlState()).isEqualTo("42501");
            assertThat(refusal.message()).isEqualTo("pgwarden: statement denied by guard access.mode=ReadOnly");
            assertThat(h.onlyStatement().rule()).isEqualTo("access.mode=ReadOnly");
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "COPY orders FROM '/etc/passwd'   | pgwarden:server-files",
                "COPY orders TO PROGRAM 'rm -rf /' | pgwarden:server-programs",
                "SET ROLE postgres                 | pgwarden:identity",
                "SET client_encoding TO 'LATIN1'   | pgwarden:protected-settings",
                "LOAD 'plpgsql'                    | pgwarden:server-libraries"
            })
    void builtInGuardsDenyWhateverTheRulesSay(String sql, String guard) {
        try (GateHarness h = new GateHarness()) {
            h.client(query(sql)).settle();
            Frames.Msg refusal = refusedQuery(h);
            assertThat(refusal.sqlState()).isEqualTo("42501");
            assertThat(refusal.message()).isEqualTo("pgwarden: statement denied by guard " + guard);
            assertThat(h.onlyStatement().rule()).isEqualTo(guard);
            assertThat(h.onlyStatement().outcome()).isEqualTo("refused");
        }
    }

    /**
     * Answers pgwarden's syntax check of a statement it could not read: PostgreSQL parsed it (so the
     * statement goes to onUnparseable).
     */
    private static void serverParses(GateHarness h) {
        h.until(() -> h.toServer.stream().anyMatch(m -> m.type() == 'S'), "the syntax check to be sent");
        h.server(Frames.parseComplete(), Frames.closeComplete(), Frames.readyForQuery('I'));
    }

    @Test
    void aSyntaxErrorIsAnsweredWithTheServersOwnError() {
        try (GateHarness h = new GateHarness()) {
            h.client(query("SELEC 1 FROMM WHERE"));
            h.until(() -> h.toServer.stream().anyMatch(m -> m.type() == 'S'), "the syntax check to be sent");
            h.server(Frames.error("42601", "syntax error at or near \"SELEC\""), Frames.readyForQuery('I'));
            h.settle();
            Frames.Msg refusal = refusedWith(h);
            assertThat(refusal.sqlState()).isEqualTo("42601");
            assertThat(refusal.message()).isEqualTo("syntax error at or near \"SELEC\"");
            assertThat(h.onlyStatement().outcome()).isEqualTo("refused");
        }
    }

    @Test
    void anUnparseableStatementGetsOnUnparseable() {
        try (GateHarness h = new GateHarness()) {
            h.client(query("SELEC 1 FROMM WHERE"));
            serverParses(h);
            h.settle();
            Frames.Msg refusal = refusedQuery(h);
            assertThat(refusal.sqlState()).isEqualTo("42501");
            assertThat(refusal.message()).isEqualTo("pgwarden: statement denied by rule onUnparseable");
            StatementAudited a = h.onlyStatement();
            assertThat(a.kind()).isEqualTo("UNPARSEABLE");
            assertThat(a.rule()).isEqualTo("onUnparseable");
            assertThat(a.outcome()).isEqualTo("refused");
        }
    }

    @Test
    void anUnparseableStatementUnderRequireApprovalAsksForApproval() {
        try (GateHarness h = new GateHarness(GateHarness.policy("ReadWrite", "RequireApproval", "Retry"))) {
            h.client(query("SELEC 1 FROMM WHERE"));
            serverParses(h);
            h.settle();
            Frames.Msg refusal = refusedQuery(h);
            assertThat(refusal.sqlState()).isEqualTo("42501");
            assertThat(refusal.message())
                    .contains("needs approval; requested as pgw-")
                    .contains("rule onUnparseable");
            assertThat(h.approvals.list())
                    .singleElement()
                    .satisfies(e -> assertThat(e.request().statement()).isEqualTo("SELEC 1 FROMM WHERE"));
            assertThat(h.onlyStatement().approvalOutcome()).isEqualTo("requested");
        }
    }

    @Test
    void anInvalidPolicyRefusesEveryStatementWith55000UntilAValidOneIsBack() {
        try (GateHarness h = new GateHarness()) {
            h.live.fail("spec.rules[0].action: Maybe is not one of Allow, RequireApproval, Deny");
            h.client(query("SELECT 1"));
            assertThat(h.paused()).as("refused without classifying").isFalse();
            Frames.Msg refusal = refusedQuery(h);
            assertThat(refusal.sqlState()).isEqualTo("55000");
            assertThat(refusal.message())
                    .isEqualTo(
                            "pgwarden: statement refused: spec.rules[0].action: Maybe is not one of Allow, RequireApproval, Deny");
            assertThat(h.onlyStatement().rule()).isEqualTo("pgwarden:policy");

            h.toServer.clear();
            h.client(parse("", "SELECT 2"), bind("", ""), execute(""), sync());
            assertThat(h.typesSent()).isEqualTo("PBES");
            assertThat(h.toServer.get(0).parseNameAndSql())
                    .containsExactly("pgwarden_refused", StatementGate.REFUSED_SQL);
            assertThat(onlyError(h.server(STAND_IN_ERROR, readyForQuery('I'))).sqlState())
                    .isEqualTo("55000");

            h.live.restore();
            h.toServer.clear();
            h.client(query("SELECT 3")).settle();
            assertThat(h.queriesSent()).containsExactly("SELECT 3");
        }
    }

    @Test
    void aFullClassifierRefusesWith53000() {
        ClassifierPool closed = new ClassifierPool(1, 1, Duration.ofSeconds(1), 10);
        closed.close(); // it takes no more work: every statement it has not seen is "busy"
        GateHarness.Options o = new GateHarness.Options();
        o.classifier = closed;
        try (GateHarness h = new GateHarness(o)) {
            h.client(query("SELECT name FROM customers WHERE id = 7"));
            assertThat(h.toServer)
                    .as("nothing is sent before the classification answers")
                    .isEmpty();
            h.settle();
            Frames.Msg refusal = refusedQuery(h);
            assertThat(refusal.sqlState()).isEqualTo("53000");
            assertThat(refusal.message()).isEqualTo("pgwarden: too many statements are waiting to be classified");
            assertThat(h.onlyStatement().rule()).isEqualTo("pgwarden:busy");
            assertThat(h.onlyStatement().outcome()).isEqualTo("refused");
        }
    }

    @Test
    void aStatementThatCannotBeRecordedIsRefusedWith53100() {
        try (GateHarness h = new GateHarness()) {
            h.recordingProblem = "the recording spool is full";
            h.client(query("SELECT 1"));
            Frames.Msg refusal = refusedQuery(h);
            assertThat(refusal.sqlState()).isEqualTo("53100");
            assertThat(refusal.message())
                    .isEqualTo("pgwarden: the statement did not run because it cannot be recorded");
            assertThat(refusal.fields().get('D')).isEqualTo("the recording spool is full.");
            assertThat(h.onlyStatement().rule()).isEqualTo("pgwarden:recording");

            h.recordingProblem = null;
            h.toServer.clear();
            h.client(query("SELECT 1")).settle();
            assertThat(h.queriesSent()).containsExactly("SELECT 1");
        }
    }

    @Test
    void aPolicyThatIsNotFailClosedRunsStatementsItCannotRecord() {
        String yaml = GateHarness.SAMPLE.formatted("ReadWrite", "Deny", "Wait", "  audit: {failClosed: false}\n");
        try (GateHarness h = new GateHarness(yaml)) {
            h.recordingProblem = "the recording spool is full";
            h.client(query("SELECT 1")).settle();
            assertThat(h.queriesSent()).containsExactly("SELECT 1");
        }
    }

    @Test
    void anUnreadableMaskingCatalogRefusesWith58000() {
        String yaml = GateHarness.SAMPLE.formatted(
                "ReadWrite",
                "Deny",
                "Wait",
                "  masking:\n    - columns: [public.customers.email]\n      strategy: redact\n");
        GateHarness.Options o = GateHarness.options(yaml);
        MaskingEngine engine = GateHarness.unreadableCatalog(yaml);
        o.masking = engine;
        try (GateHarness h = new GateHarness(o)) {
            h.client(query("SELECT 1"));
            assertThat(h.toServer)
                    .as("nothing is sent while the catalog is read")
                    .isEmpty();
            assertThat(h.paused()).isTrue();
            h.settle();
            Frames.Msg refusal = refusedQuery(h);
            assertThat(refusal.sqlState()).isEqualTo("58000");
            assertThat(refusal.message())
                    .isEqualTo(
                            "pgwarden: cannot read the database catalog to apply the policy's masking; the statement did not run");
            assertThat(h.onlyStatement().rule()).isEqualTo("pgwarden:catalog");
        }
    }

    @Test
    void aFastPathFunctionCallIsRefused() {
        try (GateHarness h = new GateHarness()) {
            h.client(functionCall(1234));
            Frames.Msg refusal = refusedQuery(h);
            assertThat(refusal.sqlState()).isEqualTo("42501");
            assertThat(refusal.message()).isEqualTo("pgwarden: the fast-path function call protocol is not allowed");
            StatementAudited a = h.onlyStatement();
            assertThat(a.statement()).isEqualTo("-- function call, oid 1234");
            assertThat(a.rule()).isEqualTo("pgwarden:function-call");
            assertThat(a.outcome()).isEqualTo("refused");
        }
    }

    @Test
    void aRefusedParseIsReplacedAndTheRestOfItsBatchIsSkippedAsTheServerSkipsIt() {
        try (GateHarness h = new GateHarness()) {
            h.client(
                            parse("", "GRANT SELECT ON orders TO public"),
                            bind("", ""),
                            describePortal(""),
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
            assertThat(h.typesSent()).isEqualTo("PBDEPBESPBES");
            assertThat(h.toServer.get(0).parseNameAndSql())
                    .containsExactly("pgwarden_refused", StatementGate.REFUSED_SQL);
            assertThat(h.toServer).noneMatch(m -> m.strings().stream().anyMatch(s -> s.contains("GRANT")));

            List<Frames.Msg> toClient = h.server(
                    STAND_IN_ERROR,
                    readyForQuery('I'),
                    parseComplete(),
                    bindComplete(),
                    dataRow("3"),
                    commandComplete("SELECT 1"),
                    readyForQuery('I'));
            assertThat(toClient).extracting(Frames.Msg::type).containsExactly('E', 'Z', '1', '2', 'D', 'C', 'Z');
            assertThat(toClient.get(0).sqlState()).isEqualTo("42501");
            assertThat(toClient.get(0).message()).isEqualTo("pgwarden: statement denied by rule privileges");

            assertThat(h.statements())
                    .filteredOn(a -> "GRANT SELECT ON orders TO public".equals(a.statement()))
                    .singleElement()
                    .satisfies(a -> {
                        assertThat(a.outcome()).isEqualTo("refused");
                        assertThat(a.protocol()).isEqualTo("extended");
                    });
            assertThat(h.statements())
                    .filteredOn(a -> "SELECT 2".equals(a.statement()))
                    .singleElement()
                    .satisfies(a -> assertThat(a.outcome()).isEqualTo("skipped"));
            assertThat(h.statements())
                    .filteredOn(a -> "SELECT 3".equals(a.statement()))
                    .singleElement()
                    .satisfies(a -> assertThat(a.outcome()).isEqualTo("ok"));
        }
    }

    @Test
    void aRefusedExecuteIsReplacedByTheStandIn() {
        try (GateHarness h = new GateHarness(GateHarness.policy("ReadWrite", "Deny", "Retry"))) {
            h.client(parse("", "DELETE FROM orders"), bind("", ""), execute(""), sync())
                    .settle();
            assertThat(h.typesSent())
                    .as("Parse and Bind run nothing; the Execute is replaced")
                    .isEqualTo("PBPS");
            assertThat(h.toServer.get(0).parseSql()).isEqualTo("DELETE FROM orders");
            assertThat(h.toServer.get(2).parseNameAndSql())
                    .containsExactly("pgwarden_refused", StatementGate.REFUSED_SQL);
            List<Frames.Msg> toClient = h.server(parseComplete(), bindComplete(), STAND_IN_ERROR, readyForQuery('I'));
            assertThat(toClient).extracting(Frames.Msg::type).containsExactly('1', '2', 'E', 'Z');
            assertThat(toClient.get(2).sqlState()).isEqualTo("42501");
            assertThat(toClient.get(2).message()).contains("requested as pgw-").contains("rule unbounded-writes");
            StatementAudited a = h.onlyStatement();
            assertThat(a.statement()).isEqualTo("DELETE FROM orders");
            assertThat(a.outcome()).isEqualTo("refused");
            assertThat(a.approvalOutcome()).isEqualTo("requested");
        }
    }

    @Test
    void aMessageItCannotReadEndsTheSessionAndNothingOfItsReadIsSent() {
        try (GateHarness h = new GateHarness()) {
            h.classifier.classifyNow("SELECT 1");
            // A Parse whose statement name has no terminator: nothing in it can be judged.
            h.gate.offer(Frames.batch(query("SELECT 1"), Frames.typed('P', new byte[] {'s', '1'})));
            assertThat(h.toServer).isEmpty();
            assertThat(h.failures)
                    .singleElement()
                    .isInstanceOfSatisfying(
                            dev.pgwarden.sidecar.protocol.ProtocolException.class,
                            e -> assertThat(e.sqlState()).isEqualTo("08P01"));
            h.failures.clear();
        }
    }
}
