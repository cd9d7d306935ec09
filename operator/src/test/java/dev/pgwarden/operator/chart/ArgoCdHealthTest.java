package dev.pgwarden.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * The chart's Argo CD health scripts, run as Argo CD runs them: the object as a Lua table in the
 * global {@code obj}, the script's returned table giving status and message.
 */
class ArgoCdHealthTest {
    private static final Path ARGOCD = RenderedChart.CHART.resolve("argocd");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    // --- DatabaseAccessPolicy -------------------------------------------------------------------

    @Test
    void policyWithoutStatusIsProgressing() throws Exception {
        assertThat(policy("""
        metadata: {name: p, generation: 1}
        spec: {access: {mode: ReadOnly}}
        """)).isEqualTo(health("Progressing", "Waiting for the operator to reconcile the policy"));
        assertThat(policy("""
        metadata: {name: p, generation: 1}
        status: {observedGeneration: 1, conditions: []}
        """)).isEqualTo(health("Progressing", "Waiting for the operator to reconcile the policy"));
    }

    @Test
    void readyPolicyOfTheCurrentGenerationIsHealthy() throws Exception {
        assertThat(policy("""
        metadata: {name: p, generation: 3}
        status:
          observedGeneration: 3
          conditions:
            - {type: Ready, status: "True", reason: CredentialsIssued, message: "role pgw_p_1 valid until 2026-11-24T10:00:00Z"}
        """)).isEqualTo(health("Healthy", "role pgw_p_1 valid until 2026-11-24T10:00:00Z"));
    }

    @Test
    void readyButBehindTheSpecIsProgressing() throws Exception {
        assertThat(policy("""
        metadata: {name: p, generation: 4}
        status:
          observedGeneration: 3
          conditions: [{type: Ready, status: "True", reason: CredentialsIssued}]
        """)).isEqualTo(health("Progressing", "Waiting for the operator to observe generation 4"));
    }

    @Test
    void notReadyForTheCurrentSpecIsDegradedWithTheConditionsMessage() throws Exception {
        assertThat(policy("""
        metadata: {name: p, generation: 2}
        status:
          observedGeneration: 2
          conditions:
            - {type: Ready, status: "False", reason: AdminSecretMissing, message: "Secret agents/pg-admin not found"}
        """)).isEqualTo(health("Degraded", "Secret agents/pg-admin not found"));
        assertThat(policy("""
        metadata: {name: p, generation: 2}
        status:
          observedGeneration: 2
          conditions: [{type: Ready, status: "False", reason: DatabaseUnreachable}]
        """)).isEqualTo(health("Degraded", "DatabaseUnreachable"));
    }

    @Test
    void aFailureOfAnOlderGenerationIsProgressingAndStillShown() throws Exception {
        assertThat(policy("""
        metadata: {name: p, generation: 5}
        status:
          observedGeneration: 4
          conditions: [{type: Ready, status: "False", message: "spec.database.host: required"}]
        """))
                .isEqualTo(health(
                        "Progressing",
                        "Waiting for the operator to observe generation 5 (last: spec.database.host: required)"));
    }

    @Test
    void degradedConditionWinsOverReady() throws Exception {
        assertThat(policy("""
        metadata: {name: p, generation: 1}
        status:
          observedGeneration: 1
          conditions:
            - {type: Ready, status: "True", message: "credentials issued"}
            - {type: Degraded, status: "True", reason: RotationFailed, message: "could not rotate: connection refused"}
        """)).isEqualTo(health("Degraded", "could not rotate: connection refused"));
    }

    @Test
    void unknownReadinessIsProgressing() throws Exception {
        assertThat(policy("""
        metadata: {name: p, generation: 1}
        status:
          observedGeneration: 1
          conditions: [{type: Ready, status: Unknown, message: "minting credentials"}]
        """)).isEqualTo(health("Progressing", "minting credentials"));
    }

    // --- QueryApproval --------------------------------------------------------------------------

    @Test
    void pendingOrNewApprovalWaitsForAReviewer() throws Exception {
        assertThat(approval("""
        spec: {policy: p, rule: destructive-ddl, statement: DROP TABLE staging, decision: Pending}
        """)).isEqualTo(health("Suspended", "Waiting for a reviewer (rule destructive-ddl)"));
        assertThat(approval("""
        spec: {policy: p, statement: DROP TABLE staging}
        status: {phase: Pending}
        """)).isEqualTo(health("Suspended", "Waiting for a reviewer"));
    }

    @Test
    void decisionNotYetRecordedIsProgressing() throws Exception {
        assertThat(approval("""
        spec: {policy: p, rule: r, decision: Approved}
        status: {phase: Pending}
        """))
                .isEqualTo(health("Progressing", "Approved, waiting for the operator to record the decision"));
    }

    @Test
    void decidedApprovalsAreHealthy() throws Exception {
        assertThat(approval("""
        spec: {policy: p, decision: Approved}
        status: {phase: Approved, reviewedBy: alice@example.com}
        """)).isEqualTo(health("Healthy", "Approved by alice@example.com"));
        assertThat(approval("""
        spec: {policy: p, decision: Approved, comment: staging only}
        status: {phase: Executed, reviewedBy: alice@example.com}
        """))
                .isEqualTo(health("Healthy", "Executed after approval by alice@example.com: staging only"));
        assertThat(approval("""
        spec: {policy: p, decision: Denied, comment: add a WHERE clause}
        status: {phase: Denied, reviewedBy: bob}
        """)).isEqualTo(health("Healthy", "Denied by bob: add a WHERE clause"));
    }

    @Test
    void expiredAndFailedApprovalsAreDegraded() throws Exception {
        assertThat(approval("""
        spec: {policy: p, expiresAt: "2026-11-23T10:10:00Z"}
        status: {phase: Expired}
        """)).isEqualTo(health("Degraded", "Expired without a decision at 2026-11-23T10:10:00Z"));
        assertThat(approval("""
        spec: {policy: p, decision: Approved}
        status: {phase: Failed, reviewedBy: alice}
        """)).isEqualTo(health("Degraded", "Approved, but the statement failed"));
    }

    @Test
    void anUnknownPhaseIsReportedAsSuch() throws Exception {
        assertThat(approval("""
        spec: {policy: p}
        status: {phase: Archived}
        """)).isEqualTo(health("Unknown", "Unknown phase Archived"));
    }

    // --- running a script -----------------------------------------------------------------------

    private static Map<String, String> policy(String yaml) throws Exception {
        return run(
                "pgwarden.dev_DatabaseAccessPolicy.lua",
                "apiVersion: pgwarden.dev/v1alpha1\nkind: DatabaseAccessPolicy\n" + yaml);
    }

    private static Map<String, String> approval(String yaml) throws Exception {
        return run(
                "pgwarden.dev_QueryApproval.lua",
                "apiVersion: pgwarden.dev/v1alpha1\nkind: QueryApproval\nmetadata: {name: pgw-x1y2z3, generation: 1}\n"
                        + yaml);
    }

    private static Map<String, String> run(String script, String objectYaml) throws Exception {
        Globals globals = JsePlatform.standardGlobals();
        globals.set("obj", toLua(YAML.readTree(objectYaml)));
        LuaValue result =
                globals.load(Files.readString(ARGOCD.resolve(script)), script).call();
        assertThat(result.istable()).as("%s returns a table", script).isTrue();
        return health(result.get("status").tojstring(), result.get("message").tojstring());
    }

    private static Map<String, String> health(String status, String message) {
        return Map.of("status", status, "message", message);
    }

    /** JSON to Lua as Argo CD converts it: objects and arrays to tables (arrays 1-based), numbers to numbers. */
    private static LuaValue toLua(JsonNode node) {
        if (node.isObject()) {
            LuaTable table = new LuaTable();
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                table.set(field.getKey(), toLua(field.getValue()));
            }
            return table;
        }
        if (node.isArray()) {
            LuaTable table = new LuaTable();
            for (int i = 0; i < node.size(); i++) {
                table.set(i + 1, toLua(node.get(i)));
            }
            return table;
        }
        if (node.isNumber()) {
            return LuaValue.valueOf(node.asDouble());
        }
        if (node.isBoolean()) {
            return LuaValue.valueOf(node.asBoolean());
        }
        if (node.isNull()) {
            return LuaValue.NIL;
        }
        return LuaValue.valueOf(node.asText());
    }
}
