package dev.pgwarden.sidecar.recording;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/** Where finished recording parts are kept: an S3 bucket or a directory. */
public interface ObjectStore extends AutoCloseable {
    /** Stores the file under the key, replacing what was there (uploads are retried whole). */
    void put(String key, Path file) throws IOException;

    /** Every key under the prefix, sorted. */
    List<String> list(String prefix) throws IOException;

    /** The object's bytes; {@link java.io.FileNotFoundException} when there is none. */
    InputStream get(String key) throws IOException;

    /** Where this store is, for messages: {@code s3://bucket} or the directory. */
    String describe();

    @Override
    void close();
}
