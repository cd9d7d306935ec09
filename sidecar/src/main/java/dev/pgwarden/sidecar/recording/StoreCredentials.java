package dev.pgwarden.sidecar.recording;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The access key pair for an S3 store. Read from a mounted Secret (files {@code AWS_ACCESS_KEY_ID}
 * and {@code AWS_SECRET_ACCESS_KEY} in a directory) or from those environment variables, so the
 * same Secret serves as files or as {@code envFrom}.
 */
public record StoreCredentials(String accessKeyId, String secretAccessKey) {
    public static final String ACCESS_KEY = "AWS_ACCESS_KEY_ID";
    public static final String SECRET_KEY = "AWS_SECRET_ACCESS_KEY";

    @Override
    public String toString() {
        return "StoreCredentials[" + accessKeyId + ", secret withheld]";
    }

    /**
     * @param directory a mounted Secret, or null to use the environment
     * @throws IllegalArgumentException naming what is missing
     */
    public static StoreCredentials load(Path directory, Map<String, String> env) throws IOException {
        if (directory != null) {
            Path access = directory.resolve(ACCESS_KEY);
            Path secret = directory.resolve(SECRET_KEY);
            if (!Files.isReadable(access) || !Files.isReadable(secret)) {
                throw new IllegalArgumentException("the S3 credentials directory " + directory + " must hold the files "
                        + ACCESS_KEY + " and " + SECRET_KEY);
            }
            return new StoreCredentials(
                    Files.readString(access).strip(), Files.readString(secret).strip());
        }
        String access = env.get(ACCESS_KEY);
        String secret = env.get(SECRET_KEY);
        if (access == null || access.isBlank() || secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("recording to S3 needs credentials: set " + ACCESS_KEY + " and "
                    + SECRET_KEY + ", or mount them and pass --s3-credentials-dir");
        }
        return new StoreCredentials(access, secret);
    }
}
