package dev.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pgwarden check}: the classification, the matched rules and an exit code per decision. */
class CheckCommandTest {
    private static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: ci, namespace: agents}
      spec:
        database: {host: db.example, port: 5432, name: app, sslMode: require, adminSecretRef: {name: pg-admin}}
        subjects: [{serviceAccount: agents/claude}]
        access: {mode: ReadWrite}
        rules:
          - {name: destructive-ddl, statements: [DROP, TRUNCATE, ALTER], action: RequireApproval}
          - {name: privileges, statements: [GRANT, REVOKE], action: Deny}
      """;

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {}

    private Run check(String policy, String sql) throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, policy);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        PrintStream original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            picocli.CommandLine cmd = Main.commandLine();
            cmd.setErr(new PrintWriter(err, true));
            int exit = cmd.execute("check", "--policy", file.toString(), sql);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void whatTheDecisionRestsOnIsShown() throws Exception {
        String limited = POLICY.replace(
                "  rules:\n",
                "  rules:\n"
                        + "    - {name: big-deletes, statements: [DELETE], changesMoreThan: 100, action: RequireApproval}\n");
        assertThat(limited).contains("big-deletes");
        Run trial = check(limited, "DELETE FROM orders WHERE created_at < now() - interval '1 year'");
        assertThat(trial.out()).contains("trial:     needed: changesMoreThan 100 (rules big-deletes)");
        assertThat(trial.exit()).isZero();
        Run code = check(POLICY, "SELECT purge_everything()");
        assertThat(code.out())
                .contains("code:      function purge_everything()")
                .contains("every kind of write");
        assertThat(code.exit()).isEqualTo(4);
    }

    @Test
    void allowedStatementExitsZeroAndShowsItsClassification() throws Exception {
        Run r = check(POLICY, "select c.name from customers c join orders o on o.customer_id = c.id");
        assertThat(r.exit()).isZero();
        assertThat(r.out())
                .contains("kind:      SELECT")
                .contains("reads:")
                .contains("customers")
                .contains("orders")
                .contains("decision:  Allow by defaultAction");
    }

    @Test
    void heldStatementExitsThree() throws Exception {
        Run r = check(POLICY, "DROP TABLE staging_events");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.out()).contains("kind:      DROP").contains("matched:   destructive-ddl -> RequireApproval");
    }

    @Test
    void strictestStatementOfAQueryDecidesAndDenyExitsFour() throws Exception {
        Run r = check(POLICY, "select 1; grant all on customers to public; drop table x");
        assertThat(r.exit()).isEqualTo(4);
        assertThat(r.out()).contains("query: Deny (privileges)");
    }

    @Test
    void builtInGuardsApplyWhateverTheRules() throws Exception {
        Run r = check(POLICY, "select pg_read_file('/etc/passwd')");
        assertThat(r.exit()).isEqualTo(4);
        assertThat(r.out()).contains("pgwarden:server-files");
    }

    @Test
    void theLimitsAreShownAndARaisedTimeoutIsDenied() throws Exception {
        String limited = POLICY + "  limits: {statementTimeout: 30s, maxResultRows: 1000}\n";
        Run r = check(limited, "SET statement_timeout = 0");
        assertThat(r.exit()).isEqualTo(4);
        assertThat(r.out())
                .contains("matched:   limits.statementTimeout -> Deny")
                .contains("would turn off the policy's limits.statementTimeout (30000ms)")
                .contains("limit: statementTimeout: 30000ms")
                .contains("limit: maxResultRows: 1000 per statement");
        Run lower = check(limited, "SET statement_timeout = '10s'");
        assertThat(lower.exit()).isZero();
        assertThat(check(POLICY, "SET statement_timeout = 0").out()).doesNotContain("limit");
    }

    @Test
    void anInvalidPolicyExitsOneWithTheFieldPath() throws Exception {
        Run r = check(POLICY.replace("action: Deny", "action: Maybe"), "select 1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("spec.rules[1].action");
    }
}
