package dev.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pgwarden local --policy} with limits: the policy file's limits govern the agent's sessions. */
class LocalLimitsTest {
    private static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: local-limits}
      spec:
        access: {mode: ReadWrite, schemas: [public]}
        limits: {statementTimeout: 3s, maxResultRows: 10}
        onUnparseable: Deny
      """;

    @TempDir
    Path state;

    @Test
    void theLimitsOfThePolicyFileApply() throws Exception {
        Path policy = state.resolve("policy.yaml");
        Files.writeString(policy, POLICY);
        try (LocalProcess local = LocalProcess.start(
                        state,
                        "--policy",
                        policy.toString(),
                        "--audit-file",
                        state.resolve("audit.jsonl").toString());
                Connection c = LocalProcess.connect(local.url());
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SHOW statement_timeout")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("3s");
            }
            assertThatThrownBy(() -> s.execute("SET statement_timeout = 0"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"))
                    .hasMessageContaining("limits.statementTimeout");
            try (ResultSet rs = s.executeQuery("SELECT g FROM generate_series(1, 10) g")) {
                int n = 0;
                while (rs.next()) {
                    n++;
                }
                assertThat(n).isEqualTo(10);
            }
            assertThatThrownBy(() -> s.executeQuery("SELECT g FROM generate_series(1, 11) g")
                            .close())
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("54000"))
                    .hasMessageContaining("limits.maxResultRows (10 rows)");
            try (ResultSet rs = s.executeQuery("SELECT 1")) {
                assertThat(rs.next()).isTrue();
            }
        }
        assertThat(Files.readString(state.resolve("audit.jsonl")))
                .contains("\"outcome\":\"limited\"")
                .contains("\"rule\":\"limits.statementTimeout\"");
    }
}
