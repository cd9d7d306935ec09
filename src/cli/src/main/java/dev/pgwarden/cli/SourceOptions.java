package dev.pgwarden.cli;

import dev.pgwarden.cli.recordings.RecordingSource;
import dev.pgwarden.cli.recordings.S3Settings;
import java.io.IOException;
import java.net.URI;
import java.util.function.Function;
import picocli.CommandLine.Option;

/** How the recording commands reach an s3:// source; credentials come from the environment only. */
public final class SourceOptions {
    @Option(
            names = "--s3-endpoint",
            paramLabel = "URL",
            description = "S3-compatible endpoint (MinIO, Ceph...). Default: AWS_ENDPOINT_URL, else AWS itself.")
    URI endpoint;

    @Option(
            names = "--s3-region",
            paramLabel = "REGION",
            description = "Signing region. Default: AWS_REGION, else us-east-1.")
    String region;

    /** The environment; tests give their own instead of changing the process's. */
    Function<String, String> env = System::getenv;

    RecordingSource open(String source) throws IOException {
        return RecordingSource.open(source, S3Settings.resolve(endpoint, region, env));
    }
}
