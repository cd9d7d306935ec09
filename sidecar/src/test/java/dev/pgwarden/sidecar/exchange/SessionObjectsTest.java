package dev.pgwarden.sidecar.exchange;

import static dev.pgwarden.sidecar.protocol.Frames.bindComplete;
import static dev.pgwarden.sidecar.protocol.Frames.closeComplete;
import static dev.pgwarden.sidecar.protocol.Frames.commandComplete;
import static dev.pgwarden.sidecar.protocol.Frames.emptyQuery;
import static dev.pgwarden.sidecar.protocol.Frames.error;
import static dev.pgwarden.sidecar.protocol.Frames.parseComplete;
import static dev.pgwarden.sidecar.protocol.Frames.readyForQuery;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.pgwarden.sidecar.audit.AuditEvent;
import dev.pgwarden.sidecar.audit.AuditSink;
import dev.pgwarden.sidecar.masking.MaskingEngine;
import dev.pgwarden.sidecar.ops.ProxyMetrics;
import dev.pgwarden.sidecar.protocol.Frames;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.message.Close;
import dev.pgwarden.sidecar.protocol.message.Parse;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.StatementClassifier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The session's prepared statements and portals kept as the server keeps them, driven through the
 * exchange with the server's answers as frames: names cut to 63 bytes the way the server cuts
 * them, created only when the server acknowledges them, and gone when the server drops them
 * (DEALLOCATE, DISCARD ALL, CLOSE, Close, the end of a transaction) and not otherwise.
 */
class SessionObjectsTest {
    private static final String SELECT = "SELECT 1";
    private static final String DELETE = "DELETE FROM sentinel";

    private final ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
    private final List<AuditEvent> audit = new ArrayList<>();
    private final SessionObjects objects = new SessionObjects();
    private final Exchange x = new Exchange(
            new SessionAudit(
                    new AuditSink() {
                        @Override
                        public void emit(AuditEvent event) {
                            audit.add(event);
                        }

                        @Override
                        public void close() {}
                    },
                    new ProxyMetrics(new SimpleMeterRegistry()),
                    "s-1",
                    "tester",
                    "p",
                    "app"),
            objects,
            new ResultMasking(MaskingEngine.disabled(), alloc),
            alloc);

    // ---------------------------------------------------------------- the client's messages

    /** One simple Query of these statements, registered as the gate registers them. */
    private void query(String... statements) {
        List<PendingChanges> changes = new ArrayList<>();
        for (String s : statements) {
            changes.add(objects.expect(StatementClassifier.classify(s), s, null));
        }
        x.query(List.of(statements), List.of(), changes, null);
    }

    /** A statement that runs and completes with {@code tag}, its Query answered with ReadyForQuery {@code status}. */
    private void run(String statement, String tag, char status) {
        query(statement);
        server(commandComplete(tag), readyForQuery(status));
    }

    private void run(String statement, String tag) {
        run(statement, tag, 'I');
    }

    private void fails(String statement, char status) {
        query(statement);
        server(error("42000", "it failed"), readyForQuery(status));
    }

    private void parse(String name, String sql) {
        x.parse(new Parse(name, sql, new int[0]), StatementClassifier.classify(sql));
    }

    private void bind(String portal, String statement) {
        PgMessage m = Frames.message(Frames.bind(portal, statement));
        x.bind(m.body());
        m.frame().release();
    }

    private void server(byte[]... frames) {
        for (byte[] f : frames) {
            PgMessage m = Frames.message(f);
            x.fromServer(m, null);
            m.frame().release();
        }
    }

    // ---------------------------------------------------------------- what names stand for

    /** The texts a protocol message naming this statement may run. */
    private List<String> statement(String protocolName) {
        return objects.statement(protocolName).values().stream()
                .map(PreparedStatement::sql)
                .toList();
    }

    /** The texts an Execute of this portal may run (a bound statement's, or a cursor's DECLARE). */
    private List<String> portal(String protocolName) {
        return objects.portal(protocolName).stream()
                .map(p -> p instanceof Portal.Bound b ? b.statement().sql() : ((Portal.Cursor) p).sql())
                .toList();
    }

    /** Whether the body of what {@code EXECUTE name} runs deletes, per possible body. */
    private List<Boolean> executeDeletes(String sqlName) {
        return objects.preparedBodies(sqlName).stream()
                .map(c -> c.hasEffect(dev.pgwarden.api.v1alpha1.StatementKind.DELETE))
                .toList();
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    // ---------------------------------------------------------------- names as the server cuts them

    /**
     * Names around the 63-byte limit with a multibyte character at the limit, and the name the
     * server's SQL scanner keeps: cut at the last character boundary within 63 bytes.
     */
    static Stream<Arguments> longNames() {
        return Stream.of(
                arguments("a".repeat(60) + "é", 62, "a".repeat(60) + "é"),
                arguments("a".repeat(61) + "é", 63, "a".repeat(61) + "é"),
                arguments("a".repeat(62) + "é", 64, "a".repeat(62)),
                arguments("a".repeat(61) + "€", 64, "a".repeat(61)),
                arguments("a".repeat(60) + "😀", 64, "a".repeat(60)),
                arguments("a".repeat(62) + "€", 65, "a".repeat(62)),
                arguments("a".repeat(62) + "😀", 66, "a".repeat(62)));
    }

    @ParameterizedTest
    @MethodSource("longNames")
    void sqlNamesAreCutAtACharacterBoundaryAsTheScannerCutsThem(String name, int length, String serverName) {
        assertThat(bytes(name)).isEqualTo(length);
        run("PREPARE " + name + " AS " + DELETE, "PREPARE");
        assertThat(executeDeletes(name)).containsExactly(true);
        assertThat(executeDeletes(serverName))
                .as("EXECUTE of the name the server keeps")
                .containsExactly(true);
        assertThat(statement(serverName))
                .as("a protocol message naming what the server keeps")
                .hasSize(1);
        if (length > 63) {
            // The protocol cuts bytewise: inside the character the scanner dropped, a name the server does not have.
            assertThat(statement(name)).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("longNames")
    void protocolNamesAreCutBytewiseAt63(String name, int length, String sqlName) {
        parse(name, DELETE);
        server(parseComplete());
        assertThat(statement(name)).containsExactly(DELETE);
        // Any name with the same first 63 bytes is the same statement to the server.
        assertThat(statement(name + "tail")).hasSize(length >= 63 ? 1 : 0);
        assertThat(executeDeletes(name)).as("EXECUTE in SQL of the same name").hasSize(length <= 63 ? 1 : 0);
    }

    @Test
    void aNameOf63BytesAndAnyLongerOneWithTheSamePrefixAreOne() {
        String base = "n".repeat(63);
        run("PREPARE " + base + "z AS " + DELETE, "PREPARE");
        assertThat(executeDeletes(base)).containsExactly(true);
        assertThat(executeDeletes(base + "anything")).containsExactly(true);
        assertThat(statement(base + "zz")).hasSize(1);
        assertThat(executeDeletes("n".repeat(62))).isEmpty();
    }

    // ---------------------------------------------------------------- names as the server reads them

    @Test
    void onlyAsciiLettersFoldToLowerCase() {
        // In a UTF8 database PostgreSQL folds A-Z only: É and "é" are two statements.
        run("PREPARE É AS " + DELETE, "PREPARE");
        run("PREPARE \"é\" AS " + SELECT, "PREPARE");
        assertThat(executeDeletes("É")).containsExactly(true);
        assertThat(executeDeletes("é")).containsExactly(false);
    }

    @Test
    void aQuotedNameKeepsItsCaseAndAnUnquotedOneFolds() {
        run("PREPARE \"Q\" AS " + DELETE, "PREPARE");
        run("PREPARE Q AS " + SELECT, "PREPARE");
        assertThat(executeDeletes("Q")).containsExactly(true);
        assertThat(executeDeletes("q")).containsExactly(false);
    }

    @Test
    void aUnicodeSpaceStartingANameIsPartOfIt() {
        // Every byte above 0x7F is an identifier byte to the server's scanner, where a name starts too.
        run("PREPARE \u3000x AS " + DELETE, "PREPARE");
        run("PREPARE x AS " + SELECT, "PREPARE");
        assertThat(executeDeletes("\u3000x")).containsExactly(true);
        assertThat(executeDeletes("x")).containsExactly(false);
    }

    @Test
    void deallocateOfAStatementNamedPrepare() {
        run("PREPARE prepare AS " + SELECT, "PREPARE");
        run("DEALLOCATE prepare", "DEALLOCATE");
        assertThat(objects.preparedBodies("prepare")).isEmpty();
    }

    @Test
    void aPrepareOfAStatementNamedTransaction() {
        run("PREPARE \"transaction\" AS " + DELETE, "PREPARE");
        assertThat(executeDeletes("transaction")).containsExactly(true);
    }

    // ---------------------------------------------------------------- created on acknowledgement

    @Test
    void aParsedStatementExistsFromItsParseComplete() {
        parse("s1", SELECT);
        assertThat(objects.statement("s1").mayBeAbsent()).isTrue();
        server(parseComplete());
        assertThat(objects.statement("s1").mayBeAbsent()).isFalse();
        assertThat(statement("s1")).containsExactly(SELECT);
    }

    @Test
    void aFailedParseLeavesNoName() {
        parse("s1", "SELECT nope FROM nowhere");
        x.sync();
        server(error("42P01", "relation \"nowhere\" does not exist"), readyForQuery('I'));
        assertThat(statement("s1")).isEmpty();
    }

    @Test
    void aPrepareExistsFromItsCommandCompleteAndAFailedOneLeavesNoName() {
        query("PREPARE p AS " + DELETE);
        assertThat(objects.preparedBodies("p")).hasSize(1);
        assertThat(objects.statement("p").mayBeAbsent()).isTrue();
        server(commandComplete("PREPARE"), readyForQuery('I'));
        assertThat(objects.statement("p").mayBeAbsent()).isFalse();

        fails("PREPARE q AS SELECT nope FROM nowhere", 'I');
        assertThat(objects.preparedBodies("q")).isEmpty();
    }

    @Test
    void aPrepareOfATakenNameKeepsTheOldBody() {
        run("PREPARE p AS " + DELETE, "PREPARE");
        query("PREPARE p AS " + SELECT);
        assertThat(executeDeletes("p"))
                .as("the server will refuse the second PREPARE")
                .containsExactly(true);
        server(error("42P05", "prepared statement \"p\" already exists"), readyForQuery('I'));
        assertThat(executeDeletes("p")).containsExactly(true);
    }

    @Test
    void aNamedParseOfATakenNameKeepsTheOldStatement() {
        parse("s1", SELECT);
        x.sync();
        server(parseComplete(), readyForQuery('I'));
        parse("s1", DELETE);
        x.sync();
        assertThat(statement("s1")).containsExactly(SELECT);
        server(error("42P05", "prepared statement \"s1\" already exists"), readyForQuery('I'));
        assertThat(statement("s1")).containsExactly(SELECT);
    }

    @Test
    void theUnnamedStatementAndPortalAreReplaced() {
        run("BEGIN", "BEGIN", 'T');
        parse("", SELECT);
        bind("", "");
        x.sync();
        server(parseComplete(), bindComplete(), readyForQuery('T'));
        parse("", DELETE);
        bind("", "");
        assertThat(statement("")).containsExactly(DELETE);
        assertThat(portal("")).containsExactly(DELETE);
        x.sync();
        server(parseComplete(), bindComplete(), readyForQuery('T'));
        assertThat(statement("")).containsExactly(DELETE);
        assertThat(portal("")).containsExactly(DELETE);
    }

    @Test
    void aSimpleQueryDropsTheUnnamedStatementAndPortal() {
        run("BEGIN", "BEGIN", 'T');
        parse("", SELECT);
        bind("", "");
        x.sync();
        server(parseComplete(), bindComplete(), readyForQuery('T'));
        run("SELECT 2", "SELECT 1", 'T');
        assertThat(statement("")).isEmpty();
        assertThat(portal("")).isEmpty();
    }

    @Test
    void anEmptyQueryDropsTheUnnamedStatementButNotTheUnnamedPortal() {
        // PostgreSQL drops the unnamed statement before it parses a Query, and replaces the unnamed
        // portal only with a statement it runs: a Query of no statement leaves the portal as it was.
        run("BEGIN", "BEGIN", 'T');
        parse("", DELETE);
        bind("", "");
        x.sync();
        server(parseComplete(), bindComplete(), readyForQuery('T'));
        x.query(List.of(), List.of(), List.of(), null);
        server(emptyQuery(), readyForQuery('T'));
        assertThat(statement("")).isEmpty();
        assertThat(portal("")).containsExactly(DELETE);
    }

    @Test
    void aPortalIsBoundToEverythingItsStatementMayBe() {
        run("PREPARE p AS " + SELECT, "PREPARE");
        query("DEALLOCATE p", "PREPARE p AS " + DELETE);
        bind("x", "p");
        assertThat(portal("x")).hasSize(2);
        assertThat(executeDeletes("p")).containsExactlyInAnyOrder(false, true);
    }

    @Test
    void aBindToAStatementPgwardenNeverSawIsKnownAsUnknowable() {
        bind("x", "never_prepared");
        assertThat(objects.portal("x")).singleElement().satisfies(p -> {
            Classification c = ((Portal.Bound) p).statement().classification();
            assertThat(c.kind()).isEqualTo(dev.pgwarden.api.v1alpha1.StatementKind.UNPARSEABLE);
        });
    }

    // ---------------------------------------------------------------- removed when the server drops them

    @ParameterizedTest
    @ValueSource(strings = {"DEALLOCATE p", "DEALLOCATE PREPARE p", "deallocate P"})
    void deallocateFreesTheName(String deallocate) {
        run("PREPARE p AS " + SELECT, "PREPARE");
        query(deallocate);
        assertThat(objects.statement("p").mayBeAbsent()).isTrue();
        server(commandComplete("DEALLOCATE"), readyForQuery('I'));
        assertThat(objects.preparedBodies("p")).isEmpty();
    }

    @Test
    void deallocateOfALongNameFreesTheNameTheServerKeeps() {
        String base = "d".repeat(63);
        run("PREPARE " + base + " AS " + SELECT, "PREPARE");
        run("DEALLOCATE " + base + "z", "DEALLOCATE");
        assertThat(objects.preparedBodies(base)).isEmpty();
    }

    @Test
    void aFailedDeallocateFreesNothing() {
        run("PREPARE p AS " + SELECT, "PREPARE");
        fails("DEALLOCATE p", 'I');
        assertThat(objects.preparedBodies("p")).hasSize(1);
    }

    @Test
    void deallocateAllFreesEveryStatementWhoeverMadeIt() {
        run("PREPARE p AS " + SELECT, "PREPARE");
        parse("s1", SELECT);
        x.sync();
        server(parseComplete(), readyForQuery('I'));
        run("DEALLOCATE ALL", "DEALLOCATE ALL");
        assertThat(objects.preparedBodies("p")).isEmpty();
        assertThat(statement("s1")).isEmpty();
    }

    @Test
    void discardAllFreesStatementsAndCursors() {
        run("PREPARE p AS " + SELECT, "PREPARE");
        run("DECLARE c CURSOR WITH HOLD FOR SELECT 1", "DECLARE CURSOR");
        run("DISCARD ALL", "DISCARD ALL");
        assertThat(objects.preparedBodies("p")).isEmpty();
        assertThat(portal("c")).isEmpty();
    }

    @Test
    void resetAllFreesNothing() {
        run("PREPARE p AS " + SELECT, "PREPARE");
        run("DECLARE c CURSOR WITH HOLD FOR SELECT 1", "DECLARE CURSOR");
        run("RESET ALL", "RESET");
        assertThat(objects.preparedBodies("p")).hasSize(1);
        assertThat(portal("c")).hasSize(1);
    }

    @Test
    void closeFreesACursorAndCloseAllEveryPortal() {
        run("BEGIN", "BEGIN", 'T');
        run("DECLARE c1 CURSOR FOR SELECT 1", "DECLARE CURSOR", 'T');
        run("DECLARE c2 CURSOR FOR SELECT 2", "DECLARE CURSOR", 'T');
        parse("s", SELECT);
        bind("p", "s");
        x.sync();
        server(parseComplete(), bindComplete(), readyForQuery('T'));
        run("CLOSE c1", "CLOSE CURSOR", 'T');
        assertThat(portal("c1")).isEmpty();
        assertThat(portal("c2")).hasSize(1);
        run("CLOSE p", "CLOSE CURSOR", 'T');
        assertThat(portal("p")).as("SQL CLOSE of a portal a Bind made").isEmpty();
        bind("p", "s");
        x.sync();
        server(bindComplete(), readyForQuery('T'));
        run("CLOSE ALL", "CLOSE CURSOR ALL", 'T');
        assertThat(portal("c2")).isEmpty();
        assertThat(portal("p")).isEmpty();
    }

    @Test
    void closeMessagesFreeTheirNameOnceAcknowledged() {
        run("BEGIN", "BEGIN", 'T');
        parse("s", SELECT);
        bind("p", "s");
        x.sync();
        server(parseComplete(), bindComplete(), readyForQuery('T'));
        x.close(new Close(true, "p"));
        x.close(new Close(false, "s"));
        assertThat(portal("p")).hasSize(1);
        assertThat(statement("s")).hasSize(1);
        x.sync();
        server(closeComplete(), closeComplete(), readyForQuery('T'));
        assertThat(portal("p")).isEmpty();
        assertThat(statement("s")).isEmpty();
    }

    @Test
    void aCloseMessageFreesACursorTheSqlDeclared() {
        run("BEGIN", "BEGIN", 'T');
        run("DECLARE c CURSOR FOR SELECT 1", "DECLARE CURSOR", 'T');
        x.close(new Close(true, "c"));
        x.sync();
        server(closeComplete(), readyForQuery('T'));
        assertThat(portal("c")).isEmpty();
    }

    // ---------------------------------------------------------------- transaction end

    @Test
    void portalsEndWithTheirTransactionExceptCursorsWithHold() {
        run("BEGIN", "BEGIN", 'T');
        parse("s", SELECT);
        bind("p", "s");
        x.sync();
        server(parseComplete(), bindComplete(), readyForQuery('T'));
        run("DECLARE c CURSOR FOR SELECT 1", "DECLARE CURSOR", 'T');
        run("DECLARE h CURSOR WITH HOLD FOR SELECT 1", "DECLARE CURSOR", 'T');
        assertThat(portal("p")).hasSize(1);
        assertThat(portal("c")).hasSize(1);
        run("COMMIT", "COMMIT");
        assertThat(portal("p")).isEmpty();
        assertThat(portal("c")).isEmpty();
        assertThat(portal("h")).hasSize(1);
        assertThat(statement("s"))
                .as("prepared statements outlive transactions")
                .hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "DECLARE h CURSOR WITH HOLD FOR SELECT 1",
                "DECLARE h NO SCROLL CURSOR WITH HOLD FOR SELECT 1",
                "declare h cursor with hold for select 1",
                "DECLARE h CURSOR WITH /* keep it */ HOLD FOR SELECT 1"
            })
    void aCursorWithHoldOutlivesItsTransaction(String declare) {
        run("BEGIN", "BEGIN", 'T');
        run(declare, "DECLARE CURSOR", 'T');
        run("COMMIT", "COMMIT");
        assertThat(portal("h")).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DECLARE h CURSOR WITH\nHOLD FOR SELECT 1", "DECLARE h CURSOR WITH\tHOLD\tFOR SELECT 1"})
    void aCursorWithHoldWrittenWithOtherWhitespaceOutlivesItsTransaction(String declare) {
        run("BEGIN", "BEGIN", 'T');
        run(declare, "DECLARE CURSOR", 'T');
        run("COMMIT", "COMMIT");
        assertThat(portal("h")).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "DECLARE c CURSOR FOR SELECT 1",
                "DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1",
                "DECLARE c CURSOR WITHOUT\nHOLD FOR SELECT 1"
            })
    void aCursorWithoutHoldEndsWithItsTransaction(String declare) {
        run("BEGIN", "BEGIN", 'T');
        run(declare, "DECLARE CURSOR", 'T');
        run("COMMIT", "COMMIT");
        assertThat(portal("c")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "DECLARE c CURSOR WITHOUT  HOLD FOR SELECT 1",
                "DECLARE c CURSOR FOR SELECT 'on hold ' AS status",
                "DECLARE c CURSOR FOR SELECT 1 AS \" hold \""
            })
    void aCursorWhoseTextSaysHoldElsewhereEndsWithItsTransaction(String declare) {
        run("BEGIN", "BEGIN", 'T');
        run(declare, "DECLARE CURSOR", 'T');
        run("COMMIT", "COMMIT");
        assertThat(portal("c")).isEmpty();
    }

    @Test
    void aCursorWithHoldWhoseTransactionIsRolledBackIsGone() {
        run("BEGIN", "BEGIN", 'T');
        run("DECLARE h CURSOR WITH HOLD FOR SELECT 1", "DECLARE CURSOR", 'T');
        run("ROLLBACK", "ROLLBACK");
        assertThat(portal("h")).isEmpty();
    }

    @Test
    void portalsMadeAfterASavepointEndWhenItIsRolledBack() {
        run("BEGIN", "BEGIN", 'T');
        run("SAVEPOINT s", "SAVEPOINT", 'T');
        run("DECLARE c CURSOR FOR SELECT 1", "DECLARE CURSOR", 'T');
        parse("st", SELECT);
        bind("p", "st");
        x.sync();
        server(parseComplete(), bindComplete(), readyForQuery('T'));
        run("ROLLBACK TO SAVEPOINT s", "ROLLBACK", 'T');
        assertThat(portal("c")).isEmpty();
        assertThat(portal("p")).isEmpty();
        assertThat(statement("st"))
                .as("prepared statements are not transactional")
                .hasSize(1);
    }

    @Test
    void portalsEndWithACommitAndChain() {
        run("BEGIN", "BEGIN", 'T');
        run("DECLARE c CURSOR FOR SELECT 1", "DECLARE CURSOR", 'T');
        run("COMMIT AND CHAIN", "COMMIT", 'T');
        assertThat(portal("c")).isEmpty();
    }

    @Test
    void portalsEndWhenOneQueryCommitsAndBeginsAgain() {
        run("BEGIN", "BEGIN", 'T');
        run("DECLARE c CURSOR FOR SELECT 1", "DECLARE CURSOR", 'T');
        query("COMMIT", "BEGIN");
        server(commandComplete("COMMIT"), commandComplete("BEGIN"), readyForQuery('T'));
        assertThat(portal("c")).isEmpty();
    }
}
