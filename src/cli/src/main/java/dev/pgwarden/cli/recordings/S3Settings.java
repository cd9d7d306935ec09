package dev.pgwarden.cli.recordings;

import dev.pgwarden.sidecar.recording.StoreCredentials;
import java.net.URI;
import java.util.function.Function;

/**
 * How to reach an S3-compatible store: the endpoint (null for AWS itself), the signing region and
 * the credentials.
 */
public record S3Settings(URI endpoint, String region, String accessKeyId, String secretAccessKey) {
    /**
     * Options given on the command line win; otherwise the variables the AWS tools read:
     * {@code AWS_ENDPOINT_URL_S3} or {@code AWS_ENDPOINT_URL}, {@code AWS_REGION} or
     * {@code AWS_DEFAULT_REGION}, {@code AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY}.
     * Credentials are read from the environment only, so they never show in a process listing.
     *
     * @param env the environment, as {@link System#getenv(String)}
     */
    public static S3Settings resolve(URI endpoint, String region, Function<String, String> env) {
        URI url = endpoint;
        if (url == null) {
            String fromEnv = first(env, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
            url = fromEnv == null ? null : URI.create(fromEnv);
        }
        String r = region != null ? region : first(env, "AWS_REGION", "AWS_DEFAULT_REGION");
        return new S3Settings(url, r, first(env, StoreCredentials.ACCESS_KEY), first(env, StoreCredentials.SECRET_KEY));
    }

    private static String first(Function<String, String> env, String... names) {
        for (String name : names) {
            String value = env.apply(name);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }
}
