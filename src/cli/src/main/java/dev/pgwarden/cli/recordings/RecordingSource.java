package dev.pgwarden.cli.recordings;

import dev.pgwarden.sidecar.recording.DirectoryStore;
import dev.pgwarden.sidecar.recording.S3Store;
import dev.pgwarden.sidecar.recording.StoreCredentials;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where recorded sessions are read from: the parts the recorder stored in S3 or a directory, or an
 * audit log file. {@code pgwarden audit verify} and {@code pgwarden replay} read through this.
 */
public interface RecordingSource extends AutoCloseable {
    /** Every session's lines, each session's in order (those of different sessions may interleave). */
    void readAll(RecordingVisitor visitor) throws IOException;

    /** A reader of one session, which may not have been recorded yet (for following it). */
    SessionReader reader(String session);

    /** The source as the user named it. */
    String describe();

    @Override
    void close();

    /**
     * Opens {@code s3://BUCKET/PREFIX}, a directory the recorder stored parts in (its prefix then
     * being the directory), or an audit log file.
     *
     * @param s3 how to reach the store, for an s3:// source
     */
    static RecordingSource open(String source, S3Settings s3) throws IOException {
        if (source.startsWith("s3://")) {
            String rest = source.substring("s3://".length());
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            String prefix = slash < 0 ? "" : rest.substring(slash + 1);
            if (bucket.isEmpty()) {
                throw new IllegalArgumentException("no bucket in " + source + ": give s3://BUCKET/PREFIX");
            }
            if (s3 == null || s3.accessKeyId() == null || s3.secretAccessKey() == null) {
                throw new IllegalArgumentException("reading " + source + " needs credentials: set "
                        + StoreCredentials.ACCESS_KEY + " and " + StoreCredentials.SECRET_KEY);
            }
            return new StoreSource(
                    new S3Store(bucket, s3.endpoint(), s3.region(), s3.accessKeyId(), s3.secretAccessKey()),
                    prefix,
                    source);
        }
        Path path = Path.of(source);
        if (Files.isDirectory(path)) {
            return new StoreSource(new DirectoryStore(path), "", source);
        }
        if (Files.isRegularFile(path)) {
            return new AuditLogSource(path);
        }
        throw new FileNotFoundException("no recordings at " + source
                + ": give s3://BUCKET/PREFIX, the directory recordings are stored in, or an audit log file");
    }
}
