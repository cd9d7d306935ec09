package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/**
 * An identity allowed to connect: either a Kubernetes service account ({@code namespace/name},
 * verified as a projected token with audience {@code pgwarden}) or any token from an OIDC issuer,
 * narrowed by audience and groups.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Subject(
        @JsonPropertyDescription("namespace/name of a Kubernetes service account.")
        String serviceAccount,

        @JsonPropertyDescription("OIDC issuer URL; its discovery document names the signing keys.")
        String issuer,

        @JsonPropertyDescription("Expected audience (aud claim). Default pgwarden.")
        String audience,

        @JsonPropertyDescription("The token must carry at least one of these in its groups claim.")
        List<String> groups,

        @JsonPropertyDescription("JWKS URL to use instead of the issuer's discovery document.")
        String jwksUri) {

    public static final String DEFAULT_AUDIENCE = "pgwarden";

    public String audienceOrDefault() {
        return audience == null || audience.isBlank() ? DEFAULT_AUDIENCE : audience;
    }

    public List<String> groupsOrEmpty() {
        return groups == null ? List.of() : groups;
    }
}
