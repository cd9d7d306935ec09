package dev.pgwarden.sidecar.recording;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Recording parts as files below a directory (local mode), with the same keys as in S3. */
public final class DirectoryStore implements ObjectStore {
    private final Path root;

    public DirectoryStore(Path root) throws IOException {
        this.root = Files.createDirectories(root).toAbsolutePath().normalize();
    }

    private Path file(String key) throws IOException {
        Path file = root.resolve(key).normalize();
        if (!file.startsWith(root)) {
            throw new IOException("key " + key + " leaves the recordings directory");
        }
        return file;
    }

    @Override
    public void put(String key, Path source) throws IOException {
        Path target = file(key);
        Files.createDirectories(target.getParent());
        // Copied beside the target and moved into place, so a reader never sees half a part.
        Path partial = target.resolveSibling(target.getFileName() + ".copying");
        Files.copy(source, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        List<String> keys = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return keys;
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                String key = root.relativize(f).toString().replace('\\', '/');
                if (key.startsWith(prefix) && !key.endsWith(".copying")) {
                    keys.add(key);
                }
            });
        }
        keys.sort(null);
        return keys;
    }

    @Override
    public InputStream get(String key) throws IOException {
        try {
            return Files.newInputStream(file(key));
        } catch (NoSuchFileException e) {
            throw new FileNotFoundException("no object " + key + " in " + root);
        }
    }

    @Override
    public String describe() {
        return root.toString();
    }

    @Override
    public void close() {}
}
