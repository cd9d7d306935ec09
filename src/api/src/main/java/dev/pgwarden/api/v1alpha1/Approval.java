package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record Approval(
        @JsonPropertyDescription(
                "Wait holds the statement; Retry errors now and allows the same statement once approved.")
        ApprovalMode mode,

        @JsonPropertyDescription("How long a request stays open, e.g. 10m. Default 10m.")
        String timeout,

        Reviewers reviewers,

        @JsonPropertyDescription("Channels told of every new request: a Slack-compatible incoming webhook or a"
                + " generic JSON webhook, each with its URL in a Secret of the policy's namespace.")
        // Object.notify() takes the component's natural name.
        @JsonProperty("notify")
        List<NotifyChannel> notifyChannels) {

    public List<NotifyChannel> notifyOrEmpty() {
        return notifyChannels == null ? List.of() : notifyChannels;
    }
}
