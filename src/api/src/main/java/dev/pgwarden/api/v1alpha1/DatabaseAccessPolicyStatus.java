package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatabaseAccessPolicyStatus(
        Long observedGeneration, List<Condition> conditions, IssuedCredentials credentials) {}
