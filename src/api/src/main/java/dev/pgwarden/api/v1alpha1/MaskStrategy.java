package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

public enum MaskStrategy {
  @JsonProperty("redact") REDACT,
  @JsonProperty("partial") PARTIAL,
  @JsonProperty("hash") HASH,
  @JsonProperty("null") NULL
}
