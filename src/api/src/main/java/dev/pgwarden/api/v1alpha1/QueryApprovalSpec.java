package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/** Everything but {@code decision} and {@code comment} is immutable once created. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QueryApprovalSpec(
        @Required String policy,
        String rule,
        @Required ApprovalSubject subject,
        @Required String session,
        @Required String statement,

        @JsonPropertyDescription("Bound parameters, masked where they touch masked columns.")
        List<String> parameters,

        @Required String fingerprint,
        @Required String expiresAt,

        @JsonPropertyDescription("Set by the reviewer: Approved or Denied.")
        Decision decision,

        String comment,

        @JsonPropertyDescription("Why the agent says it runs the statement, in its own words: a leading"
                + " /* pgwarden:reason ... */ comment or the session's pgwarden.reason setting; one line, at most 500"
                + " characters. Never copied from the statement's literals.")
        String reason,

        @JsonPropertyDescription("Rows the statement changed when pgwarden ran it as a trial (a rule with"
                + " changesMoreThan), rolled back or held until this request is decided; absent when it had no trial.")
        Long rowsChanged,

        @JsonPropertyDescription("For a DROP or TRUNCATE: what each object it names holds, as the catalog estimated"
                + " when the request was made (rows, size on disk, partitions and children included); absent for"
                + " other statements.")
        List<ObjectEstimate> estimates) {}
