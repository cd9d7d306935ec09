package dev.pgwarden.sidecar.sql;

import static dev.pgwarden.sidecar.sql.TestPolicies.READ_ONLY;
import static dev.pgwarden.sidecar.sql.TestPolicies.READ_WRITE;
import static dev.pgwarden.sidecar.sql.TestPolicies.decideQuery;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.policy.StatementPolicy;
import dev.pgwarden.sidecar.policy.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** set_config is judged as the SET it is; setval and strong locks are writes rules can name. */
class SettingsAndLocksTest {
    private static final StatementPolicy NAMING = TestPolicies.fromYaml("""
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: naming}
      spec:
        access: {mode: ReadWrite}
        rules:
          - name: sequences
            statements: [SETVAL]
            action: RequireApproval
          - name: locks
            statements: [LOCK]
            action: Deny
      """, "test");

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT pg_catalog.set_config('search_path', '', false)",
                "SELECT set_config('statement_timeout', '5s', true)",
                "SELECT set_config('application_name', 'x', false), set_config('search_path', 'public', false)",
            })
    void setConfigOfAnOrdinarySettingPassesLikeSet(String sql) {
        Verdict v = decideQuery(READ_WRITE, sql);
        assertThat(v.action()).as("%s (%s)", sql, v.reason()).isEqualTo(Action.Allow);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT set_config('role', 'postgres', false)",
                "SELECT set_config('ROLE', 'postgres', false)",
                "SELECT set_config('session_authorization', 'postgres', false)",
                "SELECT set_config('client_encoding', 'LATIN1', false)",
                "SELECT set_config('standard_conforming_strings', 'off', false)",
                "SELECT set_config('search_path', '', false), set_config('role', 'x', false)",
            })
    void setConfigOfAProtectedSettingMeetsTheGuardSetMeets(String sql) {
        assertThat(decideQuery(READ_WRITE, sql).action()).as(sql).isEqualTo(Action.Deny);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT set_config(name, 'x', false) FROM settings",
                "SELECT set_config('se' || 'arch_path', '', false)",
                "SELECT set_config(E'role', 'x', false)",
                "SELECT set_config($1, $2, false)",
            })
    void setConfigOfASettingNotNamedPlainlyNeedsApproval(String sql) {
        assertThat(decideQuery(READ_WRITE, sql).action()).as(sql).isEqualTo(Action.RequireApproval);
    }

    @Test
    void aReadOnlyTransactionCannotBeTurnedReadWriteThroughSetConfig() {
        assertThat(decideQuery(READ_ONLY, "SELECT set_config('default_transaction_read_only', 'off', false)")
                        .action())
                .isEqualTo(Action.Deny);
    }

    @Test
    void setvalIsAWriteRulesCanName() {
        assertThat(StatementClassifier.classify("SELECT setval('orders_id_seq', 1)")
                        .effects())
                .contains(StatementKind.SETVAL);
        assertThat(decideQuery(NAMING, "SELECT setval('orders_id_seq', 1, false)")
                        .rule())
                .isEqualTo("sequences");
        assertThat(decideQuery(READ_ONLY, "SELECT setval('s', 1)").action()).isEqualTo(Action.Deny);
        assertThat(decideQuery(NAMING, "SELECT nextval('s')").action()).isEqualTo(Action.Allow);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "LOCK TABLE orders",
                "LOCK orders IN ACCESS EXCLUSIVE MODE",
                "LOCK TABLE ONLY orders IN EXCLUSIVE MODE",
                "lock orders in share row exclusive mode nowait",
                "LOCK TABLE orders IN SHARE MODE"
            })
    void strongLocksAreLocks(String sql) {
        assertThat(StatementClassifier.classify(sql).kind()).isEqualTo(StatementKind.LOCK);
        assertThat(decideQuery(NAMING, sql).rule()).isEqualTo("locks");
    }

    @ParameterizedTest
    @ValueSource(strings = {"LOCK TABLE orders IN ACCESS SHARE MODE", "LOCK orders IN ROW SHARE MODE"})
    void weakLocksStopNoOne(String sql) {
        assertThat(decideQuery(NAMING, sql).action()).isEqualTo(Action.Allow);
    }
}
