package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record Recording(
        @JsonPropertyDescription(
                "What is kept of results: None and Summary keep the command tag, row count and duration"
                        + " (every audit event has them); Rows also keeps the first masked rows. Default Summary.")
        RecordedResults results,

        @JsonPropertyDescription("Rows kept per statement when results is Rows. Default 100.") @Min(0)
        Integer maxRowsPerStatement,

        @JsonPropertyDescription("The S3-compatible store session recordings go to.")
        S3Target s3) {

    public static final int DEFAULT_MAX_ROWS = 100;

    public RecordedResults resultsOrDefault() {
        return results == null ? RecordedResults.Summary : results;
    }

    public int maxRowsOrDefault() {
        return maxRowsPerStatement == null ? DEFAULT_MAX_ROWS : maxRowsPerStatement;
    }
}
