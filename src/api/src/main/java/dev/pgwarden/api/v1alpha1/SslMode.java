package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** TLS towards the upstream database, with libpq's meaning of each value. */
public enum SslMode {
    /** Plain TCP. Only for loopback or a trusted network. */
    @JsonProperty("disable")
    DISABLE,
    /** Encrypt, without verifying the server certificate. */
    @JsonProperty("require")
    REQUIRE,
    /** Encrypt and verify the certificate chain and the host name. */
    @JsonProperty("verify-full")
    VERIFY_FULL
}
