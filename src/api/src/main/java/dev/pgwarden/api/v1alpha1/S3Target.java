package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record S3Target(
        @Required String bucket, String prefix, String endpoint, String region, SecretReference credentialsSecretRef) {}
