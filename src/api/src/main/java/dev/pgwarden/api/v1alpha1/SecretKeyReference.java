package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** One key of a Secret in the policy's own namespace. */
public record SecretKeyReference(
        @JsonPropertyDescription("The Secret's name.") @Required
        String name,

        @JsonPropertyDescription("The key whose value is used.") @Required
        String key) {}
