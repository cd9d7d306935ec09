package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatabaseAccessPolicySpec(
        @JsonPropertyDescription("The PostgreSQL server the agents reach through pgwarden.")
        DatabaseTarget database,

        @JsonPropertyDescription("Identities allowed to connect; any one matching is enough.")
        List<Subject> subjects,

        @Required Access access,

        @JsonPropertyDescription("Columns whose values never reach the agent in clear.")
        List<MaskingRule> masking,

        @JsonPropertyDescription(
                "Statement rules; the strictest matching action wins (Deny > RequireApproval > Allow).")
        List<StatementRule> rules,

        @JsonPropertyDescription("Action for statements no rule matches. Default Allow.")
        Action defaultAction,

        @JsonPropertyDescription("Action for statements pgwarden cannot classify. Default RequireApproval.")
        Action onUnparseable,

        Approval approval,

        @JsonPropertyDescription("How sessions are recorded: results kept, and the S3 store the parts go to.")
        Recording recording,

        Audit audit,

        @JsonPropertyDescription("Guard rails for the agent's sessions: statement and idle-in-transaction timeouts,"
                + " result size caps per statement, and rows a session may change before writes need approval.")
        Limits limits) {

    public List<Subject> subjectsOrEmpty() {
        return subjects == null ? List.of() : subjects;
    }

    public List<MaskingRule> maskingOrEmpty() {
        return masking == null ? List.of() : masking;
    }

    public List<StatementRule> rulesOrEmpty() {
        return rules == null ? List.of() : rules;
    }

    public Action defaultActionOrAllow() {
        return defaultAction == null ? Action.Allow : defaultAction;
    }

    public boolean auditFailClosed() {
        return audit == null || audit.failClosedOrDefault();
    }

    /** The policy's limits; every one absent when the policy sets none. */
    public Limits limitsOrNone() {
        return limits == null ? new Limits(null, null, null, null, null) : limits;
    }

    public Action onUnparseableOrDefault() {
        return onUnparseable == null ? Action.RequireApproval : onUnparseable;
    }
}
