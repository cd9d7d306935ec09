package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/**
 * Where reviewers are told of a new approval request. The URL sits in a Secret, never in the
 * policy: a Slack webhook URL is itself a credential, and anyone who may read policies would see it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NotifyChannel(
        @JsonPropertyDescription("Slack (an incoming webhook: text and blocks) or Webhook (pgwarden's JSON body).")
        @Required
        NotifyType type,

        @JsonPropertyDescription("The Secret key in the policy's namespace that holds the webhook's URL.") @Required
        SecretKeyReference secretRef) {

    /**
     * How this channel is named in status, metrics and Events: its type and where its URL comes
     * from, never the URL.
     */
    public String id() {
        return type + ":" + (secretRef == null ? "" : secretRef.name() + "/" + secretRef.key());
    }
}
