package dev.pgwarden.sidecar.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The session object each statement names, as a typed value: no name can pass for another kind of reference. */
class StatementTargetTest {
    static Stream<Arguments> targets() {
        return Stream.of(
                Arguments.of("SET search_path = x", new Target.Setting("search_path")),
                Arguments.of("SET TIME ZONE 'UTC'", new Target.Setting("timezone")),
                Arguments.of("SET \"Client_Encoding\" = 'latin1'", new Target.Setting("client_encoding")),
                Arguments.of("SET SESSION AUTHORIZATION bob", new Target.Setting("session_authorization")),
                Arguments.of(
                        "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
                        new Target.Setting("default_transaction_read_only")),
                Arguments.of("RESET ALL", new Target.Setting("all")),
                Arguments.of("SHOW work_mem", new Target.Setting("work_mem")),
                Arguments.of("DISCARD ALL", new Target.Discard("all")),
                Arguments.of("DISCARD PLANS", new Target.Discard("plans")),
                Arguments.of("PREPARE p AS SELECT 1", new Target.Prepare("p")),
                Arguments.of("PREPARE \"deallocate x\" AS SELECT 1", new Target.Prepare("deallocate x")),
                Arguments.of("EXECUTE p(1)", new Target.Execute("p")),
                Arguments.of("EXPLAIN ANALYZE EXECUTE p", new Target.Execute("p")),
                Arguments.of("DEALLOCATE p", new Target.Deallocate("p")),
                Arguments.of("DEALLOCATE PREPARE ALL", new Target.Deallocate(null)),
                Arguments.of("DECLARE c CURSOR FOR SELECT 1", new Target.Cursor("c")),
                Arguments.of("FETCH 10 FROM c", new Target.Cursor("c")),
                Arguments.of("FETCH ALL FROM \"close c\"", new Target.Cursor("close c")),
                Arguments.of("MOVE NEXT IN c", new Target.Cursor("c")),
                Arguments.of("CLOSE c", new Target.CloseCursor("c")),
                Arguments.of("CLOSE ALL", new Target.CloseCursor(null)));
    }

    @ParameterizedTest
    @MethodSource("targets")
    void eachStatementNamesItsTarget(String sql, Target expected) {
        assertThat(StatementClassifier.classify(sql).target()).as(sql).isEqualTo(expected);
    }

    @ParameterizedTest
    @MethodSource("noTargets")
    void statementsOfOtherKindsNameNone(String sql) {
        assertThat(StatementClassifier.classify(sql).target()).as(sql).isNull();
    }

    static Stream<String> noTargets() {
        return Stream.of("SELECT 1", "SET TRANSACTION READ ONLY", "BEGIN", "PREPARE TRANSACTION 'x'", "FETCH 10");
    }
}
