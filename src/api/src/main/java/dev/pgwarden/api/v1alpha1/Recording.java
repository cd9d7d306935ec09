package dev.pgwarden.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record Recording(
    RecordedResults results,
    @Min(0) Integer maxRowsPerStatement,
    S3Target s3) {
}
