package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

public enum MaskStrategy {
    @JsonProperty("redact")
    REDACT,
    @JsonProperty("partial")
    PARTIAL,
    @JsonProperty("hash")
    HASH,
    @JsonProperty("null")
    NULL;

    /**
     * The stricter of two strategies, for a column two rules name: NULL shows nothing, REDACT a
     * marker, HASH an opaque token that still joins, PARTIAL a part of the value.
     */
    public static MaskStrategy stricter(MaskStrategy a, MaskStrategy b) {
        return rank(a) >= rank(b) ? a : b;
    }

    private static int rank(MaskStrategy s) {
        return switch (s) {
            case NULL -> 3;
            case REDACT -> 2;
            case HASH -> 1;
            case PARTIAL -> 0;
        };
    }
}
