package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatabaseTarget(
        @Required String host,
        @Min(1) @Max(65535) Integer port,
        @Required String name,
        SslMode sslMode,
        SecretReference adminSecretRef) {

    public int portOrDefault() {
        return port == null ? 5432 : port;
    }

    public SslMode sslModeOrDefault() {
        return sslMode == null ? SslMode.REQUIRE : sslMode;
    }
}
