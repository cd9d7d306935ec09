package dev.pgwarden.api.v1alpha1;

import io.fabric8.generator.annotation.Required;

/** A Secret in the policy's own namespace. */
public record SecretReference(@Required String name) {}
