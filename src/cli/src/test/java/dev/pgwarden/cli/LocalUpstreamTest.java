package dev.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pgwarden local --upstream} against a database it did not make: the given login is the
 * admin the agent's role is minted from, the agent's sessions run as that role and read masked
 * values, and when local mode stops no role of the policy is left in the database.
 */
class LocalUpstreamTest {
    @TempDir
    Path state;

    @Test
    void theAgentRunsAsAMintedRoleAndNothingIsLeftAfterExit() throws Exception {
        UpstreamFixture upstream = new UpstreamFixture("local_upstream", state);
        Path policy = state.resolve("policy.yaml");
        Files.writeString(policy, UpstreamFixture.policyYaml());
        String stderr;
        try (LocalProcess local = LocalProcess.start(
                state,
                "--upstream",
                upstream.adminUrl(),
                "--policy",
                policy.toString(),
                "--audit-file",
                state.resolve("audit.jsonl").toString())) {
            String roleDuringTheRun;
            try (Connection c = LocalProcess.connect(local.url())) {
                try (ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
                    rs.next();
                    roleDuringTheRun = rs.getString(1);
                    assertThat(roleDuringTheRun)
                            .startsWith(upstream.names().loginPrefix())
                            .isNotEqualTo(upstream.admin);
                }
                try (ResultSet rs = c.createStatement().executeQuery("SELECT email FROM customers ORDER BY id")) {
                    int rows = 0;
                    while (rs.next()) {
                        rows++;
                        assertThat(rs.getString(1)).matches("\\*\\*\\*\\*@example\\.(com|org)");
                    }
                    assertThat(rows).isEqualTo(2);
                }
                try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM orders")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(2);
                }
                assertThatThrownBy(() -> c.createStatement()
                                .executeQuery("SELECT * FROM internal.salaries")
                                .close())
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            }
            assertThat(upstream.policyRoles()).contains(upstream.names().group(), roleDuringTheRun);
            local.close();
            stderr = local.stderr();
        }
        assertThat(stderr).doesNotContain(UpstreamFixture.ADMIN_PASSWORD);
        assertThat(upstream.policyRoles()).isEmpty();
        assertThat(upstream.maskingSchemas()).isEmpty();
        String audit = Files.readString(state.resolve("audit.jsonl"));
        for (String email : UpstreamFixture.EMAILS) {
            assertThat(audit).doesNotContain(email.substring(0, email.indexOf('@')));
        }
    }
}
