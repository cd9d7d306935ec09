package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record Access(
        @Required AccessMode mode,

        @JsonPropertyDescription("Schemas the minted role gets privileges on. Default [public].")
        List<String> schemas,

        @JsonPropertyDescription("Lifetime of minted credentials, e.g. 1h or 30m. Default 1h.")
        String credentialTTL) {

    public List<String> schemasOrDefault() {
        return schemas == null || schemas.isEmpty() ? List.of("public") : schemas;
    }
}
