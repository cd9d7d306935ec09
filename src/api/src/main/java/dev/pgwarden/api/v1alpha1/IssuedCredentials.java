package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Where the sidecar finds the current short-lived role; never the password itself. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IssuedCredentials(String secretName, String role, String expiresAt) {}
