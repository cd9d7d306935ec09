package dev.pgwarden.cli;

import dev.pgwarden.cli.cluster.RecordingLookup.PolicyRecordings;
import dev.pgwarden.cli.recordings.RecordingSource;
import dev.pgwarden.cli.recordings.S3Settings;
import java.io.IOException;
import java.net.URI;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * How the recording commands reach an s3:// source; credentials come from the environment, or for
 * {@code replay --policy} from the policy's Secret.
 */
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

    /** Whether the environment holds the keys to a store, which then win over any a cluster would give. */
    boolean hasCredentials() {
        return S3Settings.resolve(endpoint, region, env).accessKeyId() != null;
    }

    /**
     * A store a policy names: the options given here win over the policy's endpoint and region (the
     * policy's endpoint may be a name only the cluster resolves), and the environment's keys over
     * the ones from the policy's Secret.
     */
    RecordingSource open(PolicyRecordings store) throws IOException {
        S3Settings s3 = S3Settings.resolve(
                endpoint != null ? endpoint : store.endpoint(), region != null ? region : store.region(), env);
        if (s3.accessKeyId() == null) {
            s3 = new S3Settings(s3.endpoint(), s3.region(), store.accessKeyId(), store.secretAccessKey());
        }
        return RecordingSource.open(store.source(), s3);
    }
}
