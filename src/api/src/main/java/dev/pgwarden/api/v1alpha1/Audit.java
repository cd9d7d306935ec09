package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record Audit(
        @JsonPropertyDescription("Refuse new statements while they cannot be recorded (the recording spool is full or"
                + " unwritable) instead of running them unrecorded. Default true.")
        Boolean failClosed) {

    public boolean failClosedOrDefault() {
        return failClosed == null || failClosed;
    }
}
