package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * One channel told (or not) of a request, recorded by the operator so that a restart or another
 * reconcile never tells it twice.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApprovalNotification(
        @JsonPropertyDescription("The channel: its type and Secret key (Slack:name/key), never its URL.")
        String channel,

        NotificationOutcome outcome,

        @JsonPropertyDescription("When it was delivered or given up.")
        String at,

        @JsonPropertyDescription("HTTP attempts made.") Integer attempts,

        @JsonPropertyDescription("Why it failed, when it did.")
        String error) {}
